#!/usr/bin/env python3
"""Makes docs/dashboard-report.png, the README's picture of the web
dashboard's exported report: runs a short test against `c6 target` (two
request names, one of them failing, ~150 ms answers), exports the report,
opens it in headless chromium (tests/integration/chromium.py) and saves
Page.captureScreenshot's PNG of its top.

    scripts/dashboard_screenshot.py [build/c6] [docs/dashboard-report.png]
"""
import base64
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from chromium import Chromium  # noqa: E402

SCRIPT = """
import http from 'k6/http';
import { check, sleep } from 'k6';
export const options = {
  stages: [{ duration: '4s', target: 6 }, { duration: '4s', target: 6 }, { duration: '3s', target: 0 }],
  thresholds: { http_req_duration: ['p(95)<500'], 'http_req_duration{name:search}': ['p(99)<400'],
                checks: ['rate>0.9'] },
};
export default function () {
  const home = http.get(`${__ENV.TARGET}/delay/${40 + Math.floor(Math.random() * 60)}`, { tags: { name: 'home' } });
  check(home, { 'home is 200': (r) => r.status === 200 });
  const s = http.get(`${__ENV.TARGET}/delay/${120 + Math.floor(Math.random() * 200)}`, { tags: { name: 'search' } });
  check(s, { 'search is 200': (r) => r.status === 200 });
  if (Math.random() < 0.1) http.get(`${__ENV.TARGET}/status/503`, { tags: { name: 'checkout' } });
  sleep(0.2);
}
"""


def main():
    c6 = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "c6")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "docs", "dashboard-report.png")
    with tempfile.TemporaryDirectory() as tmp:
        target = subprocess.Popen([c6, "target", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
        try:
            url = None
            deadline = time.monotonic() + 15
            while not url and time.monotonic() < deadline:
                m = re.search(r"(http://127\.0\.0\.1:\d+)", target.stdout.readline())
                url = m and m.group(1)
            if not url:
                sys.exit("c6 target did not start")
            script = os.path.join(tmp, "shop.js")
            with open(script, "w") as f:
                f.write(SCRIPT)
            report = os.path.join(tmp, "report.html")
            env = {k: v for k, v in os.environ.items() if not k.startswith("K6_")}
            env.update(K6_WEB_DASHBOARD="true", K6_WEB_DASHBOARD_PORT="-1", K6_WEB_DASHBOARD_PERIOD="1s",
                       K6_WEB_DASHBOARD_EXPORT=report)
            subprocess.run([c6, "run", "-q", "--address", "", "-e", f"TARGET={url}", script], env=env, check=False, timeout=120,
                           stdout=subprocess.DEVNULL)
        finally:
            target.kill()
            target.wait()
        c = Chromium(timeout=60)
        try:
            sid = c.open("file://" + report)
            c.wait(sid, "document.getElementById('state').textContent.startsWith('finished')", "the report")
            c.send("Emulation.setDeviceMetricsOverride",
                   {"width": 1280, "height": 1500, "deviceScaleFactor": 1, "mobile": False}, session=sid)
            time.sleep(0.5)
            shot = c.send("Page.captureScreenshot", {"format": "png", "clip": {
                "x": 0, "y": 0, "width": 1280, "height": 1500, "scale": 1}}, session=sid)
        finally:
            c.close()
    with open(out, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    print(f"{out}: {os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
