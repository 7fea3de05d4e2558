#!/usr/bin/python3
"""Scrapy over the strict partner: a tiny Spider whose start_requests() yields every page up front
and whose parse() yields each page's items; every item goes through an item pipeline (a counter).

    /usr/bin/python3 bench/politeness/runners/scrapy_runner.py '{"url":...,"pages":100,"items":10,"settings":{"DOWNLOAD_DELAY":0.1}}'

`settings` are Scrapy settings (UPPER_CASE), laid over the base below; everything else keeps
Scrapy's defaults (RETRY_TIMES 2, RETRY_HTTP_CODES with 429, no Retry-After handling). Prints one
JSON line (the same shape as the Node runners' RunnerResult) and exits 0 when the crawl ran.
Needs Scrapy for /usr/bin/python3 (Debian: apt-get install python3-scrapy); not a project dependency.
"""
import json
import sys
import time

import scrapy
from scrapy.crawler import CrawlerProcess

RUNNER = "scrapy"

try:
    ARGS = json.loads(sys.argv[1])
    URL = ARGS["url"].rstrip("/")
    PAGES = int(ARGS["pages"])
    ITEMS = int(ARGS["items"])
    SETTINGS = dict(ARGS["settings"])
except (IndexError, KeyError, TypeError, ValueError):
    sys.stderr.write("usage: scrapy_runner.py '{\"url\":...,\"pages\":N,\"items\":N,\"settings\":{...}}'\n")
    sys.exit(2)


class CountPipeline:
    count = 0

    def process_item(self, item, spider):
        CountPipeline.count += 1
        return item


class PartnerSpider(scrapy.Spider):
    name = "politeness-bench"

    def start_requests(self):
        for page in range(1, PAGES + 1):
            yield scrapy.Request(f"{URL}/items?page={page}", callback=self.parse)

    def parse(self, response):
        yield from json.loads(response.text)["items"]


def main():
    settings = {
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "USER_AGENT": "teinei-bench-scrapy (+https://example.invalid/teinei-bench)",
        # silences Scrapy 2.7+'s deprecation warning; does not change what is crawled
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        **SETTINGS,
        "ITEM_PIPELINES": {"__main__.CountPipeline": 300},
    }
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(PartnerSpider)
    process.crawl(crawler)
    t0 = time.monotonic()
    process.start()
    wall = time.monotonic() - t0
    stats = crawler.stats.get_stats()
    start, finish = stats.get("start_time"), stats.get("finish_time")
    seconds = (finish - start).total_seconds() if start and finish else wall
    keep = (
        "retry/",
        "downloader/request_count",
        "downloader/response_count",
        "downloader/response_status_count/",
        "downloader/exception_count",
        "item_scraped_count",
        "httperror/",
        "log_count/WARNING",
        "log_count/ERROR",
    )
    result = {
        "runner": RUNNER,
        "items": CountPipeline.count,
        "expectedItems": PAGES * ITEMS,
        "seconds": seconds,
        "giveUps": int(stats.get("retry/max_reached", 0)),
        "retries": int(stats.get("retry/count", 0)),
        "responses429": int(stats.get("downloader/response_status_count/429", 0)),
        "requests": int(stats.get("downloader/request_count", 0)),
        "closeReason": stats.get("finish_reason"),
        "scrapyVersion": scrapy.__version__,
        "stats": {k: v for k, v in stats.items() if k.startswith(keep)},
    }
    sys.stdout.write(json.dumps(result, default=str) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
