"""examples/python/serve_in_notebook.ipynb: valid nbformat 4, and its code cells run as a
Jupyter kernel runs them (inside a running asyncio loop, so serve() takes the notebook path),
against the real vtkstream-serve."""
import asyncio
import os
import urllib.request

import nbformat


async def one_loop_turn():
    """Lets the event loop run what is ready once, as it does between two notebook cells: a turn of
    the loop, not a wait for anything (nothing here depends on time passing)."""
    loop = asyncio.get_running_loop()
    turn = loop.create_future()
    loop.call_soon(turn.set_result, None)
    await turn


NOTEBOOK = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "examples", "python", "serve_in_notebook.ipynb")


def test_notebook_is_valid_and_runs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    cells = {c["id"]: c["source"] for c in nb.cells if c.cell_type == "code"}
    assert list(cells) == ["scene", "serve", "change", "close"]
    ns = {}

    async def kernel():
        exec(cells["scene"], ns)
        exec(cells["serve"], ns)
        server = ns["server"]
        assert server._pump is not None, "a running loop: input goes through the loop pump"
        html = server._repr_html_()
        assert "<iframe" in html and "token=" in html
        with urllib.request.urlopen(server.control_link, timeout=10) as r:
            assert r.status == 200
        pub = server.publisher
        frames = pub.frames_published()
        assert frames == 1 and not pub.publish_pending()  # serve() published the first picture
        exec(cells["change"], ns)
        # The cell's Render() reached the publisher: published, or kept for a viewer to come.
        assert pub.frames_published() > frames or pub.publish_pending()
        await one_loop_turn()  # between cells the loop runs (the pump's ticks)
        exec(cells["close"], ns)
        assert server.closed and server.process.returncode is not None

    asyncio.run(kernel())
