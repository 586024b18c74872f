#!/usr/bin/env python3
"""The core path in a real headless Chromium at a 360 px wide window.

A farmer registers and submits a listing, a curator approves it, a buyer finds it by typing
without accents. Talks W3C WebDriver to Debian's chromedriver with the standard library only.
Every step must pass; the first failure ends the run with a non-zero exit.

Usage: journey.py BASE_URL CURATOR_PHONE CURATOR_PASSWORD [SCREENSHOT_DIR]
"""

import base64
import json
import struct
import zlib
import os
import socket
import subprocess
import sys
import time
import urllib.request

BASE, CURATOR_PHONE, CURATOR_PASSWORD = sys.argv[1], sys.argv[2], sys.argv[3]
SHOTS = sys.argv[4] if len(sys.argv) > 4 else None
WIDTH = 360
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
passed = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["/usr/bin/chromedriver", f"--port={self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                self.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        args = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--window-size={WIDTH},800", f"--user-data-dir=/tmp/nongsan-chromium-{os.getpid()}",
        ]
        # Headless windows have a minimum width; device metrics give a true phone viewport.
        mobile = {"deviceMetrics": {"width": WIDTH, "height": 780, "pixelRatio": 2.0, "touch": True}}
        options = {"binary": "/usr/bin/chromium", "args": args, "mobileEmulation": mobile}
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read() or b"{}").get("value")
        except urllib.error.HTTPError as e:
            raise AssertionError(f"webdriver {method} {path}: {e.read().decode()[:500]}")

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def go(self, path):
        self.s("POST", "/url", {"url": BASE + path})

    def find(self, css):
        return self.s("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def find_all(self, css):
        return [e[ELEMENT] for e in self.s("POST", "/elements", {"using": "css selector", "value": css})]

    def type(self, css, text):
        el = self.find(css)
        self.s("POST", f"/element/{el}/clear", {})
        self.s("POST", f"/element/{el}/value", {"text": text})

    def click(self, css):
        el = self.find(css)
        self.s("POST", f"/element/{el}/click", {})

    def choose(self, select_css, value):
        self.click(f"{select_css} option[value='{value}']")

    def run(self, script):
        return self.s("POST", "/execute/sync", {"script": script, "args": []})

    def text(self):
        return self.run("return document.body.innerText")

    def wait_text(self, wanted, seconds=10):
        """The page text once it holds `wanted` (a form post may still be loading)."""
        deadline = time.time() + seconds
        while True:
            try:
                body = self.text()
            except AssertionError:
                body = ""
            if wanted in body or time.time() > deadline:
                return body
            time.sleep(0.1)

    def path(self):
        return self.run("return location.pathname + location.search")

    def wait_path(self, wanted, seconds=10):
        """Waits until the address holds `wanted` and the page has loaded."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                if wanted in self.path() and self.run("return document.readyState") == "complete":
                    return
            except AssertionError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the address never held {wanted!r}: {self.path()}")

    def shot(self, name):
        if SHOTS:
            png = base64.b64decode(self.s("GET", "/screenshot"))
            with open(os.path.join(SHOTS, f"{name}.png"), "wb") as f:
                f.write(png)

    def quit(self):
        try:
            self.s("DELETE", "")
        finally:
            self.proc.terminate()


def phone_photo(path, width=2400, height=1800):
    """A PNG larger than the 1600 px the page shrinks photos to, written with the standard library."""
    row = bytes([0]) + bytes((x * 7) % 256 for x in range(width)) * 3
    raw = row * height
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)
    return len(png)


def step(name, check):
    check()
    passed.append(name)
    print(f"ok - {name}", flush=True)


def fits(d, page):
    width = d.run("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[1] == WIDTH, f"{page}: the viewport is {width[1]} px, not {WIDTH}"
    assert width[0] <= width[1], f"{page}: horizontal scrolling at {WIDTH} px ({width[0]} > {width[1]})"


def main():
    d = Driver()
    stamp = str(int(time.time()))[-6:]
    phone = "09" + stamp + "77"
    title = f"Sầu riêng Ri6 Đinh Lạc {stamp}"
    try:
        def register():
            d.go("/register")
            fits(d, "register")
            d.type("#phone", phone[:4] + " " + phone[4:7] + " " + phone[7:])
            d.type("#password", "mat-khau-123")
            d.type("#name", "Nguyễn Thị Lan")
            d.choose("#commune", "di-linh")
            d.choose("#legacy_commune", "dinh-lac")
            d.click("input[name=crops][value=durian]")
            d.shot("1-register")
            d.click("form button[type=submit]")
            body = d.wait_text("Hàng đang bán")
            assert "Hàng đang bán" in body, body[:300]
            assert "/listings" in d.path(), d.path()

        def submit_listing():
            d.click("a.button[href$='/listings/new']")
            fits(d, "new listing")
            d.choose("#crop", "durian")
            d.choose("#variety", "ri6")
            d.choose("#form", "whole")
            d.type("#title", title)
            d.type("#quantity", "3")
            d.choose("#unit", "ta")
            d.type("#price", "85.000")
            # JOURNEY_PHOTO names a real phone photo to measure what shrinking saves.
            real = os.environ.get("JOURNEY_PHOTO")
            photo = f"/tmp/nongsan-browser-photo-{os.getpid()}.png"
            size = os.path.getsize(real) if real else phone_photo(photo)
            if real:
                photo = real
            el = d.find("#photo")
            d.s("POST", f"/element/{el}/value", {"text": photo})
            d.shot("2-new-listing")
            d.click("button[name=intent][value=submit]")
            d.wait_path("created=1")
            body = d.wait_text("Chờ duyệt")
            assert "Chờ duyệt" in body and title in body, body[:400]
            assert "300 kg" in body, body[:600]
            fits(d, "listing page")
            listing = d.path().split("/manage/listings/")[1].split("?")[0]
            d.s("POST", "/execute/async", {"script": "var done=arguments[0];fetch('/api/v1/listings/" + listing + "').then(function(r){return r.json()}).then(function(j){window.__photos=j.photos;done()})", "args": []})
            photos = d.run("return window.__photos")
            assert len(photos) == 1, photos
            w, h, b = photos[0]["width"], photos[0]["height"], photos[0]["bytes"]
            assert max(w, h) == 1600, f"shrunk on the phone to 1600 px, got {w}x{h}"
            print(f"# photo shrunk in the browser: {size} bytes -> {b} bytes, {w}x{h}", flush=True)
            if not real:
                os.remove(photo)

        def bad_input_is_kept():
            d.click("nav a[href$='/listings']")
            d.click("a.button[href$='/listings/new']")
            d.choose("#crop", "durian")
            d.type("#title", "Giữ nguyên chữ này")
            d.type("#price", "abc")
            d.click("button[name=intent][value=submit]")
            body = d.wait_text("Giá phải là số đồng chẵn")
            assert "Giá phải là số đồng chẵn" in body, body[:400]
            value = d.run("return document.querySelector('#title').value")
            assert value == "Giữ nguyên chữ này", value

        def logout():
            d.click("nav form button")
            body = d.wait_text("Đăng nhập")
            assert "Đăng nhập" in body, body[:300]

        def curator_approves():
            d.go("/login")
            d.type("#phone", CURATOR_PHONE)
            d.type("#password", CURATOR_PASSWORD)
            d.click("form button[type=submit]")
            d.wait_path("/review")
            d.wait_text("Tin chờ duyệt")
            assert d.path().startswith("/review"), d.path()
            fits(d, "review queue")
            d.shot("3-review-queue")
            links = [e for e in d.find_all("ul.plain li a") if title in d.s("GET", f"/element/{e}/text")]
            assert links, "the listing is in the queue"
            d.s("POST", f"/element/{links[0]}/click", {})
            fits(d, "review page")
            d.click("button[name=decision][value=approve]")
            d.wait_path("done=1")
            body = d.wait_text("Đã ghi nhận quyết định")
            assert "Đã ghi nhận quyết định" in body, d.path() + " " + body[:300]

        def buyer_finds_without_accents():
            d.go("/")
            fits(d, "catalogue")
            d.type("#q", f"sau rieng ri6 dinh lac {stamp}")
            d.click("form[role=search] .search button")
            d.wait_path("q=")
            body = d.wait_text(title)
            assert title in body, body[:500]
            d.shot("4-catalogue")
            d.click("a.listing-card")
            d.wait_path("/listings/")
            body = d.wait_text("Người bán")
            assert title in body and "85.000 ₫" in body and "Nguyễn Thị Lan" in body, body[:500]
            fits(d, "listing")
            d.shot("5-listing")

        step("a farmer registers at 360 px", register)
        step("the farmer submits a listing", submit_listing)
        step("a bad price is explained and typed text kept", bad_input_is_kept)
        step("the farmer logs out", logout)
        step("a curator approves it", curator_approves)
        step("the curator logs out", logout)
        step("a buyer finds it typing without accents", buyer_finds_without_accents)
    except AssertionError as e:
        d.shot("failure")
        print(f"not ok - {e}", flush=True)
        print(f"browser: {len(passed)} passed, 1 failed")
        sys.exit(1)
    finally:
        d.quit()
    print(f"browser: {len(passed)} passed, 0 failed")


main()
