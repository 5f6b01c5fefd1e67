// The report's data tables: sortable by a click on a column header, filter chips, a search box, paging for
// big tables and a "CSV" button exporting what is shown (every page, in the shown order). Used by every view
// (tasks, trials, iterations, comparisons). Cells are text or nodes built with h(), never HTML.
// A table's sort, filters, search and page are remembered by its file name for the page's lifetime, so a
// live update (ahe serve) that renders the view again keeps what the reader chose.
import { type CsvCell, toCsv } from './csv.ts';
import { clear, download, h } from './dom.ts';

export interface Column<T> {
  key: string;
  label: string;
  /** The value sorted on and exported to CSV (null sorts last and exports empty). */
  value: (row: T) => string | number | null;
  /** How the cell shows; defaults to the value as text. */
  render?: (row: T) => Node | string;
  /** Right-aligned, sorted descending on first click. */
  numeric?: boolean;
}

export interface TableOptions<T> {
  columns: Column<T>[];
  rows: T[];
  /** The CSV file's name; also the key the table's state is remembered by. */
  filename: string;
  /** Chips; when some are on, a row shows when it passes any of them. */
  filters?: { label: string; test: (row: T) => boolean }[];
  /** The text the search box matches (case-insensitive substring). */
  search?: (row: T) => string;
  onRowClick?: (row: T) => void;
  /** Rows per page (default 100); 0 shows everything. */
  pageSize?: number;
}

interface TableState {
  sortKey: string | null;
  descending: boolean;
  filters: Set<string>;
  query: string;
  page: number;
}

const remembered = new Map<string, TableState>();

function stateFor(key: string): TableState {
  let state = remembered.get(key);
  if (!state) {
    state = { sortKey: null, descending: false, filters: new Set(), query: '', page: 0 };
    remembered.set(key, state);
  }
  return state;
}

/** Compares two cell values: nulls last whatever the direction, numbers as numbers, text naturally. */
export function compareValues(a: string | number | null, b: string | number | null, descending: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const order =
    typeof a === 'number' && typeof b === 'number'
      ? a - b
      : String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });
  return descending ? -order : order;
}

/** A table with its toolbar (chips, search, count, CSV) and pager. */
export function renderTable<T>(options: TableOptions<T>): HTMLElement {
  const { columns, rows, filename } = options;
  const filters = options.filters ?? [];
  const pageSize = options.pageSize ?? 100;
  const state = stateFor(filename);
  // A filter that no longer exists (another view's table with the same name) is forgotten.
  for (const label of state.filters) if (!filters.some((f) => f.label === label)) state.filters.delete(label);

  const visible = (): T[] => {
    const query = state.query.trim().toLowerCase();
    const active = filters.filter((f) => state.filters.has(f.label));
    const shown = rows.filter(
      (row) =>
        (active.length === 0 || active.some((f) => f.test(row))) &&
        (!query || !options.search || options.search(row).toLowerCase().includes(query)),
    );
    const column = columns.find((c) => c.key === state.sortKey);
    if (column) {
      const keyed = shown.map((row, i) => ({ row, i, v: column.value(row) }));
      keyed.sort((x, y) => compareValues(x.v, y.v, state.descending) || x.i - y.i);
      return keyed.map((k) => k.row);
    }
    return shown;
  };

  const wrap = h('div', { class: 'table-wrap', 'data-table': filename });
  const toolbar = h('div', { class: 'table-toolbar' });
  const count = h('span', { class: 'table-count' });
  const table = h('table', { class: 'data-table' });
  const thead = h('thead');
  const tbody = h('tbody');
  const pager = h('div', { class: 'table-pager' });
  table.append(thead, tbody);

  // A chip that would match nothing is not offered (unless it is on: it can still be turned off).
  const offered = filters.filter((f) => state.filters.has(f.label) || rows.some(f.test));
  const chipButtons = offered.map((filter) => {
    const n = rows.filter(filter.test).length;
    const button = h(
      'button',
      { type: 'button', class: 'filter-chip', 'aria-pressed': 'false' },
      `${filter.label} (${n})`,
    );
    button.addEventListener('click', () => {
      if (state.filters.has(filter.label)) state.filters.delete(filter.label);
      else state.filters.add(filter.label);
      state.page = 0;
      update();
    });
    return { filter, button };
  });
  if (chipButtons.length > 0) toolbar.append(h('span', { class: 'filter-chips' }, ...chipButtons.map((c) => c.button)));
  if (options.search) {
    const input = h('input', { type: 'search', class: 'table-search', placeholder: 'search', 'aria-label': 'search' });
    input.value = state.query;
    input.addEventListener('input', () => {
      state.query = input.value;
      state.page = 0;
      update();
    });
    toolbar.append(input);
  }
  const csv = h('button', { type: 'button', class: 'csv-export', title: `export as ${filename}` }, 'CSV');
  csv.addEventListener('click', () => {
    const shown = visible();
    const body: CsvCell[][] = shown.map((row) => columns.map((c) => c.value(row)));
    download(
      filename,
      toCsv(
        columns.map((c) => c.label),
        body,
      ),
      'text/csv;charset=utf-8',
    );
  });
  toolbar.append(count, csv);

  const headerRow = h('tr');
  const headerCells = columns.map((column) => {
    const button = h('button', { type: 'button', class: 'sort' }, column.label);
    const th = h('th', { class: column.numeric ? 'num' : null, 'data-key': column.key }, button);
    button.addEventListener('click', () => {
      if (state.sortKey === column.key) state.descending = !state.descending;
      else {
        state.sortKey = column.key;
        state.descending = Boolean(column.numeric);
      }
      state.page = 0;
      update();
    });
    return { column, th };
  });
  headerRow.append(...headerCells.map((c) => c.th));
  thead.append(headerRow);

  function renderRow(row: T): HTMLTableRowElement {
    const tr = h('tr');
    for (const column of columns) {
      const shown = column.render ? column.render(row) : column.value(row);
      tr.append(h('td', { class: column.numeric ? 'num' : null }, shown === null ? '—' : shown));
    }
    if (options.onRowClick) {
      const click = options.onRowClick;
      tr.classList.add('clickable');
      tr.tabIndex = 0;
      tr.addEventListener('click', (event) => {
        // A link or button inside the row does its own thing.
        if ((event.target as Element).closest('a, button, summary, input, label, select, textarea')) return;
        click(row);
      });
      tr.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') click(row);
      });
    }
    return tr;
  }

  function update(): void {
    const shown = visible();
    const pages = pageSize > 0 ? Math.max(1, Math.ceil(shown.length / pageSize)) : 1;
    state.page = Math.min(state.page, pages - 1);
    const slice = pageSize > 0 ? shown.slice(state.page * pageSize, (state.page + 1) * pageSize) : shown;
    clear(tbody);
    for (const row of slice) tbody.append(renderRow(row));
    if (slice.length === 0)
      tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: columns.length }, 'no rows match')));
    count.textContent = shown.length === rows.length ? `${rows.length} rows` : `${shown.length} of ${rows.length} rows`;
    for (const { filter, button } of chipButtons) {
      const on = state.filters.has(filter.label);
      button.classList.toggle('on', on);
      button.setAttribute('aria-pressed', String(on));
    }
    for (const { column, th } of headerCells) {
      const sorted = state.sortKey === column.key;
      th.setAttribute('aria-sort', sorted ? (state.descending ? 'descending' : 'ascending') : 'none');
    }
    clear(pager);
    if (pages > 1) {
      const prev = h('button', { type: 'button', disabled: state.page === 0 }, '‹ prev');
      const next = h('button', { type: 'button', disabled: state.page >= pages - 1 }, 'next ›');
      prev.addEventListener('click', () => {
        state.page -= 1;
        update();
      });
      next.addEventListener('click', () => {
        state.page += 1;
        update();
      });
      pager.append(prev, h('span', {}, `page ${state.page + 1} of ${pages}`), next);
    }
  }

  update();
  wrap.append(toolbar, h('div', { class: 'table-scroll' }, table), pager);
  return wrap;
}
