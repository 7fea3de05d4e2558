/**
 * The download-handler interface (Scrapy's DOWNLOAD_HANDLERS): turns a Request into a Response.
 */
import type { Request } from '../../http/request.js';
import type { Response } from '../../http/response.js';

/** Downloads requests for one crawler. */
export interface DownloadHandler {
  /** Downloads; rejects with a DownloadError (network error, timeout, size limit). */
  download(request: Request): Promise<Response>;
  /** Aborts every download in flight (a forced stop). */
  abortAll(): void;
  /** Frees sockets. */
  close(): Promise<void>;
}
