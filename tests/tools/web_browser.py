#!/usr/bin/env python3
"""web_browser URL SHOT.png STEP...: open nslab web's page in headless
Chromium through chromedriver (the W3C WebDriver protocol, spoken with
urllib: no selenium) and do what a person would, printing one JSON line
per step. Independent of nslab: it sees only the page. Steps:
  nodes                     the node names the picture shows
  ipdown NS IFNAME LINKID   `ip -n NS link set IFNAME down`, then how long
                            until the link LINKID is drawn down
  clickdown LINKID          select the link in the picture, press "set down",
                            and the page's answer
  links                     the ids of the links the picture shows
  adj N                     once at least N routing-adjacency dots are drawn
                            (up to 20 s): their ids and classes
  shot                      save the screenshot to SHOT.png
Loopback only: chromedriver listens on 127.0.0.1."""
import base64
import json
import socket
import subprocess
import sys
import time
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Driver:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(["chromedriver", f"--port={self.port}", "--allowed-ips=127.0.0.1"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                self.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,900",
                     "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions"]}}}}
        self.sid = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"{}").get("value")

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.sid}{path}", body)

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def quit(self):
        try:
            self.s("DELETE", "")
        finally:
            self.proc.terminate()
            self.proc.wait()


def wait_for(fn, timeout, step=0.05):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            v = fn()
        except OSError:  # urllib's HTTPError: no such element yet
            v = None
        if v:
            return v, time.monotonic() - t0
        time.sleep(step)
    return None, time.monotonic() - t0


def main():
    url, shot, steps = sys.argv[1], sys.argv[2], sys.argv[3:]
    d = Driver()
    try:
        d.s("POST", "/url", {"url": url})
        # the picture is in when its nodes are
        names, _ = wait_for(lambda: d.js(
            "return Array.from(document.querySelectorAll('#topo g.node')).map(g => g.id.slice(5))"), 30)
        i = 0
        while i < len(steps):
            st = steps[i]
            if st == "nodes":
                print(json.dumps({"nodes": names or []}), flush=True)
                i += 1
            elif st == "ipdown":
                ns, ifname, link = steps[i + 1:i + 4]
                subprocess.run(["ip", "-n", ns, "link", "set", ifname, "down"], check=True)
                ok, dt = wait_for(lambda: d.js(
                    "const g = document.getElementById(arguments[0]); return !!g && g.classList.contains('down')",
                    link), 10, 0.02)
                print(json.dumps({"ipdown": link, "shown": bool(ok), "seconds": round(dt, 3)}), flush=True)
                i += 4
            elif st == "clickdown":
                link = steps[i + 1]
                d.js("document.getElementById(arguments[0]).querySelector('path')"
                     ".dispatchEvent(new MouseEvent('click', {bubbles: true}))", link)
                # (a link that is not drawn fails here, with the page's ids in the error)
                btn, _ = wait_for(lambda: d.s("POST", "/element", {"using": "css selector", "value": "#act-down"}), 5)
                eid = list(btn.values())[0]
                d.s("POST", f"/element/{eid}/click", {})
                msg, _ = wait_for(lambda: d.js("const m = document.getElementById('msg'); return m && m.textContent"), 10)
                print(json.dumps({"clickdown": link, "message": msg}), flush=True)
                i += 2
            elif st == "links":
                print(json.dumps({"links": d.js(
                    "return Array.from(document.querySelectorAll('#topo g.edge')).map(g => g.id)")}), flush=True)
                i += 1
            elif st == "adj":
                want = int(steps[i + 1])
                dots, _ = wait_for(lambda: (lambda v: v if len(v) >= want else None)(d.js(
                    "return Array.from(document.querySelectorAll('#topo circle.adj'))"
                    ".map(c => ({id: c.id, cls: c.getAttribute('class')}))")), 20, 0.1)
                print(json.dumps({"adj": dots or []}), flush=True)
                i += 2
            elif st == "shot":
                png = d.s("GET", "/screenshot")
                with open(shot, "wb") as f:
                    f.write(base64.b64decode(png))
                print(json.dumps({"shot": shot}), flush=True)
                i += 1
            else:
                print(json.dumps({"error": "unknown step " + st}), flush=True)
                return 2
    finally:
        d.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
