// Re-render docs/widget.png: the explore() widget on case TB17, as JupyterLab draws it.
//
// Usage: node scripts/widget_screenshot.js OUT.png [PORT] [NOTEBOOK]
//   PORT (default 8899): the port of a JupyterLab server on 127.0.0.1, started as below;
//   NOTEBOOK (default shot.ipynb): the notebook to open, relative to that server's root.
//   The script runs the notebook's first cell and photographs the widget it shows.
//
// Not part of the package or its tests: it needs a browser and JupyterLab, which the
// project does not depend on. The widget is drawn by a kernel on the project's own
// .venv with PYTHONPATH set to this tree's model/, so the picture is the working tree's
// code even when the .venv is an editable install of another checkout (a git worktree
// borrowing the main checkout's .venv: set PY to that python). (Installing the package
// next to JupyterLab, `pip install jupyterlab .`, makes a frozen copy that goes stale.)
// On Debian, from the project root, in bash:
//
//   # once: a browser, JupyterLab in a venv of its own, playwright-core for node; the
//   # .venv needs ipykernel (the dev extra: pip install -e '.[dev]'); a new machine's
//   # package lists may be empty or old, so update them first
//   apt-get update && apt-get install -y chromium
//   python3 -m venv /tmp/jl && /tmp/jl/bin/pip install jupyterlab ipywidgets
//   mkdir -p /tmp/jlnode && (cd /tmp/jlnode && npm init -y && npm install playwright-core)
//
//   # a scratch folder, a free port and the notebook's name
//   W=/tmp/wid PORT=8899 NB=shot.ipynb PY=$PWD/.venv/bin/python
//   mkdir -p $W/root $W/jupyter/kernels/backspasm-venv $W/runtime $W/settings $W/workspaces
//   cp data/example_cases.csv $W/root/
//   cat > $W/jupyter/kernels/backspasm-venv/kernel.json <<EOF
//   {"argv": ["$PY", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
//    "env": {"PYTHONPATH": "$PWD/model"},
//    "display_name": "backspasm (.venv)", "language": "python"}
//   EOF
//   cat > $W/root/$NB <<'EOF'
//   {"nbformat": 4, "nbformat_minor": 5,
//    "metadata": {"kernelspec": {"name": "backspasm-venv", "display_name": "backspasm (.venv)",
//                                "language": "python"}},
//    "cells": [{"cell_type": "code", "id": "shot", "metadata": {}, "execution_count": null,
//               "outputs": [], "source": [
//     "import warnings; warnings.filterwarnings('ignore', category=FutureWarning)\n",
//     "import backspasm\n",
//     "ex = backspasm.explore(); ex.load_row('example_cases.csv', 'TB17'); ex"]}]}
//   EOF
//
//   # the server: --allow-root is needed when run as root; port_retries=0 makes a busy
//   # port an error rather than a server elsewhere
//   rm -f $W/lab.log   # a log left from an earlier run would end the wait below at once
//   mkdir -p $W/data   # Jupyter's own data (its secret, notebook signatures) stays here too
//   JUPYTER_DATA_DIR=$W/data JUPYTER_PATH=$W/jupyter JUPYTER_RUNTIME_DIR=$W/runtime \
//   JUPYTERLAB_SETTINGS_DIR=$W/settings \
//   JUPYTERLAB_WORKSPACES_DIR=$W/workspaces /tmp/jl/bin/jupyter lab --no-browser --allow-root \
//     --port $PORT --ServerApp.port_retries=0 --IdentityProvider.token='' \
//     --ServerApp.root_dir=$W/root > $W/lab.log 2>&1 &
//   echo $! > $W/lab.pid
//   # wait for this server (if it stops instead, $W/lab.log says why)
//   until grep -qs "is running at" $W/lab.log; do kill -0 $(cat $W/lab.pid) || break; sleep 1; done
//
//   NODE_PATH=/tmp/jlnode/node_modules node scripts/widget_screenshot.js docs/widget.png $PORT $NB
//   kill $(cat $W/lab.pid)   # stops the server and its kernel
const { chromium } = require("playwright-core");

const [out = "widget.png", port = "8899", notebook = "shot.ipynb"] = process.argv.slice(2);

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1500, height: 2200 } });
  await page.goto(`http://127.0.0.1:${port}/lab/tree/${notebook}?reset`, { waitUntil: "networkidle" });
  await page.waitForTimeout(6000);
  // JupyterLab's news toast would cover the widget's corner.
  await page.addStyleTag({ content: ".jp-toast-container, .Toastify {display:none !important}" });
  await page.click(".jp-Cell .jp-InputArea-editor");
  await page.keyboard.press("Shift+Enter");
  await page.waitForSelector(".widget-box", { timeout: 120000 });
  await page.waitForTimeout(8000);
  const widget = await page.$(".jp-OutputArea-output .widget-box");
  await widget.screenshot({ path: out });
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
