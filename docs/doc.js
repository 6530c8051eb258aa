// One of the Markdown files beside this page (model card, results, ...), rendered in the browser: GitHub Pages
// serves docs/ as it is, with no Markdown build, so the demo links here (doc.html?file=model-card.md) and the
// page draws the file with marked. Links between the documents stay on this page.
const DOCUMENT = /^[\w-]+\.md$/;  // only files beside this page: no path, no other site

async function showDocument() {
  const article = document.getElementById("document");
  const file = new URLSearchParams(location.search).get("file") || "";
  document.getElementById("source").textContent = file;
  if (!DOCUMENT.test(file)) {
    article.textContent = `No such document: "${file}". The documents are the .md files of docs/.`;
    return;
  }
  const response = await fetch(file);
  if (!response.ok) {
    article.textContent = `${file} could not be loaded (HTTP ${response.status}).`;
    return;
  }
  article.innerHTML = marked.parse(await response.text());
  for (const link of article.querySelectorAll("a[href]")) {
    const [path, anchor] = link.getAttribute("href").split("#");
    if (DOCUMENT.test(path)) link.href = `doc.html?file=${path}${anchor ? `#${anchor}` : ""}`;
  }
  const heading = article.querySelector("h1");
  document.title = `${heading ? heading.textContent : file} · xraylab`;
}

showDocument();
