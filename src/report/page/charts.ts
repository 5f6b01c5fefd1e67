// The page's charts: a small wrapper over Apache ECharts (only the chart types and components the report
// draws are registered, to keep the bundle small). A chart is a <figure> with a title, "SVG" and "PNG"
// export buttons and a container marked data-chart="<name>"; the container gets data-rendered="true" once
// ECharts says it finished drawing (the browser tests wait for it). A chart is drawn when its container
// comes near the viewport (NEAR_VIEWPORT): a long run view shows its first screen without drawing the
// heatmap, spend and attribution charts below it, which are drawn as the reader scrolls to them.
//
// Safety: by default ECharts renders tooltips as HTML strings (innerHTML), with inline style attributes
// the page's Content-Security-Policy refuses. Every chart's tooltip is therefore forced to renderMode
// 'richText': drawn on the canvas like the axis labels and legends, so a task name or change text from
// the data is shown as text and can never become markup (SVG exports: zrender encodes text).
import { BarChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';
import { download, h } from './dom.ts';

echarts.use([
  LineChart,
  BarChart,
  HeatmapChart,
  ScatterChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  VisualMapComponent,
  MarkLineComponent,
  CanvasRenderer,
  SVGRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;
export type ChartClick = echarts.ECElementEvent;

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

/** Options every chart shares: no animation (fast first render, deterministic screenshots), our palette. */
const BASE: ChartOption = {
  animation: false,
  color: PALETTE,
  textStyle: { fontFamily: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif' },
};

/** How close to the viewport a chart's container must come to be drawn. */
export const NEAR_VIEWPORT = '300px';

interface LiveChart {
  element: HTMLElement;
  /** null until the chart is drawn. */
  chart: echarts.ECharts | null;
  /** Whether its container was ever seen in the document (before, a detached container is not gone yet). */
  seen: boolean;
  observers: { disconnect(): void }[];
}

const live = new Set<LiveChart>();

/**
 * Disposes the charts under root (every chart when root is undefined; none but the detached when null) and
 * those no longer in the document. Views call it on their root before re-rendering; the page may call it
 * on a view change (charts whose figures were removed are also swept whenever a new chart is made). A chart
 * whose container was never in the document is swept only with its root (its figure may be about to go in).
 */
export function disposeCharts(root?: Node | null): void {
  for (const entry of [...live]) {
    const detached = entry.seen && !entry.element.isConnected;
    if (root === undefined || root?.contains(entry.element) || detached) {
      for (const observer of entry.observers) observer.disconnect();
      entry.chart?.dispose();
      live.delete(entry);
    }
  }
}

export interface ChartSpec {
  /** data-chart value and the exported files' base name. */
  name: string;
  title: string;
  option: ChartOption;
  /** Pixels (the width follows the container). */
  height: number;
  onClick?: (event: ChartClick) => void;
  /** A line under the chart saying how to read it. */
  caption?: string;
}

/**
 * A chart figure. The ECharts instance is created when the container first gets a size (after the
 * figure was put into the document), follows its size afterwards and is disposed with disposeCharts.
 */
export function renderChart(spec: ChartSpec): HTMLElement {
  disposeCharts(null); // the charts whose figures left the document
  const option = prepareOption(spec.option);
  const container = h('div', { class: 'chart-canvas', 'data-chart': spec.name, role: 'img', 'aria-label': spec.title });
  container.style.height = `${spec.height}px`;
  container.style.width = '100%';
  const svgButton = h('button', { type: 'button', class: 'chart-export', title: 'Download as SVG' }, 'SVG');
  const pngButton = h('button', { type: 'button', class: 'chart-export', title: 'Download as PNG' }, 'PNG');
  const figure = h(
    'figure',
    { class: 'chart' },
    h('figcaption', { class: 'chart-head' }, h('span', { class: 'chart-title' }, spec.title), svgButton, pngButton),
    container,
    spec.caption ? h('p', { class: 'chart-note' }, spec.caption) : null,
  );

  const entry: LiveChart = { element: container, chart: null, seen: false, observers: [] };
  live.add(entry);
  // Whether the container has come near the viewport (where there is no IntersectionObserver: at once).
  let near = typeof IntersectionObserver === 'undefined';
  const draw = () => {
    if (!container.isConnected || !live.has(entry)) return;
    entry.seen = true;
    if (entry.chart) {
      entry.chart.resize();
      return;
    }
    if (container.clientWidth === 0 || !near) return;
    const chart = echarts.init(container, null, { renderer: 'canvas' });
    chart.on('finished', () => container.setAttribute('data-rendered', 'true'));
    if (spec.onClick) chart.on('click', (event) => spec.onClick?.(event as ChartClick));
    chart.setOption(option);
    entry.chart = chart;
  };
  // Drawn in the next frame rather than inside the observer's callback: a layout change made there (a
  // scrollbar appearing) would make the browser report a ResizeObserver loop error.
  let pending = false;
  const observer = new ResizeObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  });
  observer.observe(container);
  entry.observers.push(observer);
  if (!near) {
    const visibility = new IntersectionObserver(
      (entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        visibility.disconnect();
        near = true;
        // Not inside a ResizeObserver callback: drawing at once cannot trip its loop error.
        draw();
      },
      { rootMargin: `${NEAR_VIEWPORT} 0px` },
    );
    visibility.observe(container);
    entry.observers.push(visibility);
  }

  svgButton.addEventListener('click', () => {
    const width = container.clientWidth || 900;
    download(`${spec.name}.svg`, renderSvg(option, width, spec.height), 'image/svg+xml');
  });
  pngButton.addEventListener('click', () => {
    if (!entry.chart) return;
    const url = entry.chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' });
    download(`${spec.name}.png`, dataUrlToBlob(url));
  });
  return figure;
}

/** The same option drawn off-screen by the SVG renderer: a standalone SVG document. */
export function renderSvg(option: ChartOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ ...option, backgroundColor: '#ffffff', tooltip: { show: false } });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

function dataUrlToBlob(url: string): Blob {
  const [head, data = ''] = url.split(',', 2);
  const type = /^data:([^;,]+)/.exec(head ?? '')?.[1] ?? 'image/png';
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type });
}

/**
 * A view's option with the shared defaults, and its tooltip forced to canvas text (never HTML, whatever
 * the view asked for): formatters return plain text with '\n' line breaks.
 */
export function prepareOption(viewOption: ChartOption): ChartOption {
  const option = { ...BASE, ...viewOption };
  const tooltip = (option.tooltip ?? {}) as Record<string, unknown>;
  return {
    ...option,
    tooltip: {
      confine: true,
      backgroundColor: 'rgba(255,255,255,0.96)',
      borderColor: '#999',
      textStyle: { color: '#222', fontSize: 12, lineHeight: 17 },
      ...tooltip,
      renderMode: 'richText',
    },
  };
}

/** Text from the data for a rich-text tooltip: braces would start rich-text markup, so they are swapped for look-alikes. */
export function plain(text: string): string {
  return text.replace(/[{}]/g, (c) => (c === '{' ? '｛' : '｝'));
}
