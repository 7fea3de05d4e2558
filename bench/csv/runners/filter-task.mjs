/**
 * Row-form processChunks task for the teinei-filter-workers runner: writes the rows it is given
 * (those `where` kept) to `<options.outDir>/<chunk basename>` with csv-stringify, header first,
 * and returns how many it wrote. Plain JavaScript, so workers load it without tsx, as an
 * installed teinei's workers load a user's compiled task.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify';

/** @type {import('../../../dist/index.js').RowTask<{ out: import('csv-stringify').Stringifier; done: Promise<void>; rows: number }>} */
export default {
  start(context) {
    const { outDir, columns } = /** @type {{ outDir: string; columns: string[] }} */ (context.options);
    const out = stringify({ header: true, columns });
    const ws = createWriteStream(path.join(outDir, path.basename(context.chunk)));
    out.pipe(ws);
    return { out, done: finished(ws), rows: 0 };
  },
  async row(row, state) {
    state.rows++;
    if (!state.out.write(row)) await once(state.out, 'drain');
  },
  async finish(state) {
    state.out.end();
    await state.done;
    return state.rows;
  },
};
