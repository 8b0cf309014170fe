"""Save a workbook with a password through LibreOffice's UNO bridge (run by the system Python,
which has ``uno``): ``python3 lo_encrypt.py SOURCE TARGET FILTER``.

``soffice --convert-to`` cannot set a password; ``storeToURL`` with ``Password`` can.
"""

import os
import subprocess
import sys
import time

import uno  # the system Python's LibreOffice bridge
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main():
    src, dst, filter_name = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
    port = 20000 + os.getpid() % 20000
    profile = os.path.join(os.path.dirname(dst), ".lo-encrypt-profile")
    office = subprocess.Popen(
        ["soffice", "--headless", "--invisible", "--norestore", f"-env:UserInstallation=file://{profile}",
         f"--accept=socket,host=127.0.0.1,port={port};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(600):
            try:
                ctx = resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
                break
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.2)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
        doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", filter_name), prop("Password", "secret")))
        doc.close(True)
    finally:
        office.terminate()
        office.wait(60)


main()
