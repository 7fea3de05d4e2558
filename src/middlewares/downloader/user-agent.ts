/**
 * Identifies the crawler honestly: `userAgent`, or "<botName>/<version> (+<contact>)".
 */
import type { Crawler } from '../../core/crawler.js';
import { hasHeader, type Request } from '../../http/request.js';
import type { Settings } from '../../settings.js';
import { version } from '../../version.js';
import type { DownloaderMiddleware } from '../types.js';

/** The User-Agent teinei sends for these settings. */
export function defaultUserAgent(settings: Pick<Settings, 'userAgent' | 'botName' | 'contact'>): string {
  if (settings.userAgent) return settings.userAgent;
  return settings.contact ? `${settings.botName}/${version} (+${settings.contact})` : `${settings.botName}/${version}`;
}

/** Sets User-Agent on requests that have none. */
export class UserAgentMiddleware implements DownloaderMiddleware {
  static fromCrawler(crawler: Crawler): UserAgentMiddleware {
    const { settings } = crawler;
    if (!settings.userAgent && !settings.contact) {
      crawler.logger.warning('No "contact" setting: partners cannot tell who runs this crawler. Set contact (a URL or e-mail) or userAgent.');
    }
    return new UserAgentMiddleware(defaultUserAgent(settings));
  }

  constructor(private readonly userAgent: string) {}

  processRequest(request: Request): void {
    if (!hasHeader(request.headers, 'user-agent')) request.headers['User-Agent'] = this.userAgent;
  }
}
