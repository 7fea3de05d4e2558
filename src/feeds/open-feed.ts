import { open as openFile, stat } from 'node:fs/promises';
import { AtomicFileWriter } from './atomic-file.js';
import type { ItemExporter } from './exporter.js';
import { CsvExporter, parseCsvHeader } from './exporters/csv.js';
import { JsonExporter } from './exporters/json.js';
import { JsonLinesExporter } from './exporters/jsonlines.js';
import type { FeedOptions } from './feed-options.js';

/** A configured feed whose path template has been expanded. */
export interface FeedSpec {
  /** The key from the `feeds` setting, for error messages. */
  template: string;
  /** The expanded output path. */
  path: string;
  options: FeedOptions;
}

/** A feed being written: its file, its exporter and how many items it received. */
export interface OpenFeed extends FeedSpec {
  file: AtomicFileWriter;
  exporter: ItemExporter;
  itemCount: number;
}

/**
 * Opens one feed: checks what an existing file allows (no JSON append, CSV
 * header reuse), opens its `.part` and writes the exporter's preamble.
 *
 * @throws Error when appending to a non-empty JSON file, or when `fields`
 *   disagree with the header of a CSV file being appended to.
 */
export async function openFeed(spec: FeedSpec): Promise<OpenFeed> {
  const { path, options } = spec;
  const append = !options.overwrite;
  let existingHeader: string[] | undefined;
  if (append && (await fileSize(path)) > 0) {
    if (options.format === 'json') {
      throw new Error(
        `cannot append to ${path}: a JSON feed is one array, so adding items to an existing file ` +
          `would make it invalid JSON. Use -O (overwrite: true) to replace it, or the jsonlines format to append.`,
      );
    }
    if (options.format === 'csv') existingHeader = parseCsvHeader(await readFirstLine(path));
  }
  const file = await AtomicFileWriter.open(path, { append });
  try {
    const exporter = createExporter(spec, existingHeader);
    await file.write(exporter.start());
    return { ...spec, file, exporter, itemCount: 0 };
  } catch (error) {
    await file.abort();
    throw error;
  }
}

function createExporter({ path, options }: FeedSpec, existingHeader: string[] | undefined): ItemExporter {
  const { fields } = options;
  switch (options.format) {
    case 'jsonlines':
    case 'jsonl':
      return new JsonLinesExporter({ fields });
    case 'json':
      return new JsonExporter({ fields, indent: options.indent });
    case 'csv':
      if (existingHeader === undefined) return new CsvExporter({ fields });
      // Appended rows must line up with the header already in the file.
      if (fields !== undefined && fields.join('\u0000') !== existingHeader.join('\u0000')) {
        throw new Error(
          `cannot append to ${path}: its CSV header (${existingHeader.join(', ')}) differs from ` +
            `fields (${fields.join(', ')}). Use -O (overwrite: true) or matching fields.`,
        );
      }
      return new CsvExporter({ fields: existingHeader, includeHeader: false, warnExtraKeys: fields === undefined });
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

// Reads only the start of the file: appended feeds can be gigabytes.
async function readFirstLine(path: string): Promise<string> {
  const handle = await openFile(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const end = buffer.subarray(0, bytesRead).indexOf(0x0a);
    if (end === -1 && bytesRead === buffer.length) {
      throw new Error(`cannot append to ${path}: its first line (CSV header) is longer than 64 KiB`);
    }
    return buffer.toString('utf8', 0, end === -1 ? bytesRead : end);
  } finally {
    await handle.close();
  }
}
