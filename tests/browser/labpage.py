"""A notebook open in JupyterLab (one browser tab): run all cells, read its state, find its explorers."""

import time
from pathlib import Path

from .labwidgets import Explorer, _label

_STATE_JS = """() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  if (!nb) return null;
  const ind = document.querySelector('.jp-Notebook-ExecutionIndicator');
  let pending = 0, star = 0, code = 0;
  for (const cell of nb.querySelectorAll('.jp-CodeCell')) {
    const src = cell.querySelector('.cm-content');
    if (src && !src.textContent.trim()) continue;  // an empty code cell never runs
    code += 1;
    const prompt = cell.querySelector('.jp-InputPrompt').textContent.trim();
    if (prompt.includes('*')) star += 1;
    if (!/^\\[\\d+\\]:?$/.test(prompt)) pending += 1;
  }
  return {status: ind ? ind.getAttribute('data-status') : null, code, pending, star};
}"""

_ERRORS_JS = """() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  const found = [];
  for (const el of nb.querySelectorAll('.jp-OutputArea-output')) {
    const mime = el.getAttribute('data-mime-type') || '';
    const text = el.textContent;
    if ((mime.includes('stderr') && /Traceback|Error/.test(text)) || mime.includes('error')
        || /Error displaying widget|Traceback \\(most recent call last\\)/.test(text))
      found.push(text.slice(0, 1500));
  }
  for (const el of nb.querySelectorAll('.backprop-lab-error')) found.push('explorer error: ' + el.textContent);
  return found;
}"""


_OUTER = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer"  # the notebook's scroller


class NotebookPage:
    """One notebook open in its own browser tab (single-document mode), with its own kernel."""

    def __init__(self, context, server, name):
        self.server = server
        self.name = name
        self.console_errors = []
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda e: self.console_errors.append(f"pageerror: {e}"))
        self.page.set_default_timeout(30_000)

    def open(self, timeout=90):
        """Open the notebook and wait for its kernel to be idle."""
        self.page.goto(self.server.url(f"doc/tree/{self.name}"))
        self.page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=timeout * 1000)
        self.wait_kernel_idle(timeout)
        return self

    def wait_kernel_idle(self, timeout=90):
        """Wait until a real kernel (not 'No Kernel') is connected and idle."""
        self.page.wait_for_function(
            """() => { const i = document.querySelector('.jp-Notebook-ExecutionIndicator');
                       const k = document.querySelector('.jp-KernelName');
                       const name = k ? k.textContent.trim() : '';
                       return i && i.getAttribute('data-status') === 'idle' && name && name !== 'No Kernel'; }""",
            timeout=timeout * 1000)

    def menu(self, top, command):
        """Click a top menu (e.g. 'Run') and then the item bound to a JupyterLab command id."""
        self.page.get_by_role("menuitem", name=top, exact=True).click()
        self.page.locator(f'.lm-Menu-item[data-command="{command}"]').click()

    def run_all(self, timeout=240):
        """Clear all outputs, run all cells through the Run menu, wait until the kernel is done.

        Done = kernel idle, no ``[*]`` prompt, and every non-empty code cell numbered (or an error
        shown, since Run All stops at the first error), seen twice in a row 300 ms apart.
        Returns the seconds taken.
        """
        self.menu("Edit", "editmenu:clear-all")
        self.page.wait_for_function(f"(() => {{ const s = ({_STATE_JS})(); return s && s.pending === s.code; }})()")
        self.wait_kernel_idle()
        t0 = time.monotonic()
        self.menu("Run", "runmenu:run-all")
        stable = 0
        retried = False
        while True:
            state = self.page.evaluate(_STATE_JS)
            if (not retried and time.monotonic() - t0 > 15 and state["status"] == "idle"
                    and state["pending"] == state["code"] and state["star"] == 0):
                retried = True  # nothing started: the click was lost while the kernel settled
                self.menu("Run", "runmenu:run-all")
            done = (state["status"] == "idle" and state["star"] == 0
                    and (state["pending"] == 0 or self.errors()))
            stable = stable + 1 if done else 0
            if stable >= 2:
                return time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                raise AssertionError(f"{self.name}: Run All did not finish in {timeout}s: {state}")
            time.sleep(0.3)

    def state(self):
        """Kernel status and prompt counts of the notebook."""
        return self.page.evaluate(_STATE_JS)

    def errors(self):
        """Texts of every error output, traceback or explorer error box in the notebook."""
        return self.page.evaluate(_ERRORS_JS)

    def screenshot(self, path):
        """A screenshot of the whole notebook: the viewport grows to the notebook's full height."""
        page = self.page
        size = page.viewport_size
        extra = page.evaluate(f"""() => {{ const o = document.querySelector('{_OUTER}');
                                          return o ? o.scrollHeight - o.clientHeight : 0; }}""")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            page.set_viewport_size({"width": size["width"], "height": min(size["height"] + extra, 16000)})
            page.wait_for_timeout(300)
            page.evaluate(f"() => {{ document.querySelector('{_OUTER}').scrollTop = 0; }}")
            page.wait_for_timeout(200)
            page.screenshot(path=str(path))
        finally:
            page.set_viewport_size(size)
        return Path(path)

    def explorers(self):
        """Locator of every explorer box on the page."""
        return self.page.locator(".backprop-lab-explorer")

    def explorer(self, title=None, control=None):
        """The one explorer whose title contains ``title`` and/or that has a control labelled ``control``."""
        loc = self.explorers()
        if title is not None:
            loc = loc.filter(has=self.page.locator(".widget-html-content b", has_text=title))
        if control is not None:
            loc = loc.filter(has=_label(self.page, control))
        if loc.count() != 1:
            raise AssertionError(f"{self.name}: expected one explorer (title={title!r}, control={control!r}), "
                                 f"found {loc.count()}")
        return Explorer(self.page, loc.first)

    def close(self):
        """Close the tab."""
        self.page.close()
