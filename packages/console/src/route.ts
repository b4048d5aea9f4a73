/** `#/<page>/<arg>…`: the page and what it shows, so a reload or a link keeps the place. */
export function parseHash(): { page: string; args: string[] } {
  const [page = "devices", ...args] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  return { page: page || "devices", args };
}

export function go(page: string, ...args: string[]): void {
  location.hash = `#/${[page, ...args].map(encodeURIComponent).join("/")}`;
}
