"""pandas runner:
/usr/bin/python3 bench/csv/runners/pandas_runner.py <split|filter> <source .csv|.zip> <outDir> <chunkRows>
    [--entry NAME] [--column COL --lo N --hi N]

The source is read with read_csv(chunksize=chunkRows, dtype=str, keep_default_na=False); a .zip
source is read from its member --entry through zipfile (streamed, not extracted).
split:  to_csv per chunk (one file per chunk).
filter: keeps lo <= int(COL) <= hi in each chunk, appended to one file.
Prints one JSON line { runner, task, seconds, peakRssMb, rowsOut, chunks } (ru_maxrss is KiB on Linux).
"""
import argparse, json, os, resource, time, zipfile
import pandas as pd

ap = argparse.ArgumentParser()
ap.add_argument("task", choices=["split", "filter"])
ap.add_argument("source")
ap.add_argument("out_dir")
ap.add_argument("chunk_rows", type=int)
ap.add_argument("--entry")
ap.add_argument("--column")
ap.add_argument("--lo", type=int)
ap.add_argument("--hi", type=int)
a = ap.parse_args()
if a.task == "filter" and (a.column is None or a.lo is None or a.hi is None):
    ap.error("filter needs --column, --lo and --hi")
os.makedirs(a.out_dir, exist_ok=True)

started = time.perf_counter()
archive = None
if a.source.lower().endswith(".zip"):
    archive = zipfile.ZipFile(a.source)
    src = archive.open(a.entry or next(n for n in archive.namelist() if n.lower().endswith(".csv")))
    base = os.path.splitext(os.path.basename(a.entry or "entry.csv"))[0]
else:
    src = a.source
    base = os.path.splitext(os.path.basename(a.source))[0]
rows_out = 0
chunks = 0
reader = pd.read_csv(src, chunksize=a.chunk_rows, dtype=str, keep_default_na=False, encoding="utf-8")
if a.task == "split":
    for i, df in enumerate(reader, 1):
        df.to_csv(os.path.join(a.out_dir, "%s_%05d.csv" % (base, i)), index=False)
        rows_out += len(df)
        chunks += 1
else:
    target = os.path.join(a.out_dir, base + "_filtered.csv")
    first = True
    for df in reader:
        v = df[a.column].astype("int64")
        hit = df[(v >= a.lo) & (v <= a.hi)]
        hit.to_csv(target, index=False, mode="w" if first else "a", header=first)
        first = False
        rows_out += len(hit)
    chunks = 1
if archive is not None:
    src.close()
    archive.close()
seconds = time.perf_counter() - started
print(json.dumps({
    "runner": "pandas-" + a.task,
    "task": a.task,
    "seconds": seconds,
    "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "rowsOut": rows_out,
    "chunks": chunks,
}))
