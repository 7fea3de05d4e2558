"""pandas runner: /usr/bin/python3 bench/csv/runners/pandas_runner.py <split|filter> <source.csv> <outDir> <chunkRows>

split:  read_csv(chunksize=chunkRows) and to_csv per chunk (one file per chunk).
filter: read_csv(chunksize=chunkRows), query('20171224 <= date <= 20171225') per chunk, appended to one file.
All columns read as str (dtype=str) so nothing is reformatted. Prints one JSON line
{ runner, task, seconds, peakRssMb, rowsOut, chunks } (ru_maxrss is KiB on Linux).
"""
import json, os, resource, sys, time
import pandas as pd

task, source, out_dir, chunk_rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
os.makedirs(out_dir, exist_ok=True)
started = time.perf_counter()
rows_out = 0
chunks = 0
reader = pd.read_csv(source, chunksize=chunk_rows, dtype=str, keep_default_na=False, encoding="utf-8")
if task == "split":
    for i, df in enumerate(reader, 1):
        df.to_csv(os.path.join(out_dir, "plans_%05d.csv" % i), index=False)
        rows_out += len(df)
        chunks += 1
elif task == "filter":
    target = os.path.join(out_dir, "plans_filtered.csv")
    first = True
    for df in reader:
        d = df["date"].astype("int64")
        hit = df[(d >= 20171224) & (d <= 20171225)]
        hit.to_csv(target, index=False, mode="w" if first else "a", header=first)
        first = False
        rows_out += len(hit)
    chunks = 1
else:
    raise SystemExit("task must be split or filter")
seconds = time.perf_counter() - started
print(json.dumps({
    "runner": "pandas-" + task,
    "task": task,
    "seconds": seconds,
    "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "rowsOut": rows_out,
    "chunks": chunks,
}))
