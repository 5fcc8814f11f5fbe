/**
 * Narrow screens show each table row as a stacked block; each cell needs its column's name as a
 * label there. Tables are written once, with headers, so the labels are copied from the <th> of
 * each column into `data-label`, which the CSS shows before the cell's value.
 */

/** Labels the cells of every table under `root` with their column headers. */
export function labelTableCells(root: ParentNode): void {
  for (const table of root.querySelectorAll('table')) {
    const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent?.trim() ?? '');
    if (heads.length === 0) continue;
    for (const row of table.querySelectorAll('tbody tr')) {
      [...row.children].forEach((cell, i) => {
        if (heads[i] && cell.getAttribute('data-label') !== heads[i]) cell.setAttribute('data-label', heads[i]);
      });
    }
  }
}

/** Keeps the labels current as pages render; returns a function that stops. */
export function keepTableCellsLabelled(root: HTMLElement): () => void {
  labelTableCells(root);
  const observer = new MutationObserver(() => labelTableCells(root));
  observer.observe(root, { childList: true, subtree: true });
  return () => observer.disconnect();
}
