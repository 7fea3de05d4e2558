/**
 * The project's config, found by `crawl` and `teinei` from the working directory upwards: where the
 * spiders are, and the settings every spider starts from (a spider's `customSettings` and the CLI's
 * `-s key=value` win over these).
 */
import type { TeineiConfig } from 'teinei';

export default {
  // Globs, relative to this file, of modules whose default export is a Spider class.
  spiders: ['spiders/*.ts'],
  settings: {
    // Partners read this in the User-Agent: it is how they reach us before they block us.
    contact: 'mailto:data-team@example.com',
    // No feed by default; choose one per run with `-O out/<spider>.jsonl`.
    feeds: {},
    // One request at a time per partner host, about a second apart: these are partners, not targets.
    concurrentRequestsPerDomain: 1,
    downloadDelay: 1,
    logLevel: 'INFO',
  },
} satisfies TeineiConfig;
