// Re-render docs/widget.png: the explore() widget on case TB17, as JupyterLab draws it.
//
// Not part of the package or its tests: it needs a browser and JupyterLab, which the
// project does not depend on. On Debian, as run for the current screenshot:
//
//   apt-get install chromium
//   python3 -m venv /tmp/jl && /tmp/jl/bin/pip install jupyterlab .
//   mkdir -p /tmp/jlnode && (cd /tmp/jlnode && npm init -y && npm install playwright-core)
//   mkdir -p /tmp/jlwork && cp data/example_cases.csv /tmp/jlwork/
//   # a notebook /tmp/jlwork/shot.ipynb whose one cell is:
//   #   import backspasm
//   #   ex = backspasm.explore(); ex.load_row("example_cases.csv", "TB17"); ex
//   /tmp/jl/bin/jupyter lab --no-browser --port 8899 --IdentityProvider.token='' \
//       --ServerApp.root_dir=/tmp/jlwork &
//   NODE_PATH=/tmp/jlnode/node_modules node scripts/widget_screenshot.js docs/widget.png
const { chromium } = require("playwright-core");

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1500, height: 2200 } });
  await page.goto("http://127.0.0.1:8899/lab/tree/shot.ipynb?reset", { waitUntil: "networkidle" });
  await page.waitForTimeout(6000);
  // JupyterLab's news toast would cover the widget's corner.
  await page.addStyleTag({ content: ".jp-toast-container, .Toastify {display:none !important}" });
  await page.click(".jp-Cell .jp-InputArea-editor");
  await page.keyboard.press("Shift+Enter");
  await page.waitForSelector(".widget-box", { timeout: 120000 });
  await page.waitForTimeout(8000);
  const widget = await page.$(".jp-OutputArea-output .widget-box");
  await widget.screenshot({ path: process.argv[2] || "widget.png" });
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
