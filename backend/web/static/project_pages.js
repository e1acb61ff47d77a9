// Community projects' pages: each projects/<name>/web/<page>.js of the loaded project chain,
// listed by /web/pages.json (none with the default project). A page is an ES module like the
// views in views/: it exports `title` (its link in the navigation) and `render(main, route)`,
// and is routed at #/<page>. It imports the core's modules relatively, e.g.
// `import * as api from "../../static/api.js"` from /web/projects/<name>/<page>.js.

import { el } from "./dom.js";

const ROOT = document.body.dataset.apiRoot || "";

// A page that could not be loaded is still routed: it shows why instead of a blank page.
function broken(name, error) {
  return {
    title: name,
    render() {
      throw new Error(`The page “${name}” could not be loaded: ${error.message || error}`);
    },
  };
}

// Add the project pages to `routes` and a link to each in `nav` (before `before`). A name of
// a core view is not replaced: the project page is left out and the console says why.
export async function addProjectPages(routes, nav, before) {
  const response = await fetch(`${ROOT}/web/pages.json`, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`The list of project pages is missing (${response.status}).`);
  const { pages } = await response.json();
  const loaded = await Promise.all(pages.map(async (page) => {
    try {
      const module = await import(page.module);
      if (typeof module.render !== "function") throw new Error("it exports no render(main, route)");
      return [page, module];
    } catch (error) {
      return [page, broken(page.name, error)];
    }
  }));
  for (const [page, module] of loaded) {
    if (Object.hasOwn(routes, page.name)) {
      console.error(`The ${page.project} project's page “${page.name}” has the name of a core view: left out.`);
      continue;
    }
    routes[page.name] = module;
    nav.insertBefore(el("a", { href: `#/${page.name}`, "data-project": page.project,
                               text: module.title || page.name }), before);
  }
}
