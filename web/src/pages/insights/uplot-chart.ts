/**
 * Line charts on uPlot, for the insights page only: this module (uPlot and its stylesheet) is a
 * chunk of its own, loaded by chart-loader.ts when the page first draws a chart, so the app's
 * first load does not carry it.
 *
 * Canvas cannot read CSS variables: the colours are resolved from the page's custom properties
 * when a chart is made, and the caller makes it again when the colour scheme changes.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartLine {
  label: string;
  axis: 'left' | 'right';
  /** In the axis's unit (hours, per cent…), null where there is no value: drawn as a gap. */
  values: (number | null)[];
  /** The value at an index as the legend shows it while the pointer is on the chart. */
  legendValue: (index: number) => string;
}

export interface ChartAxis {
  format: (value: number) => string;
  /** Counts: ticks on whole numbers only. */
  integers?: boolean;
  /** A fixed top (100 for per cent); else a little above the highest value. */
  max?: number;
}

export interface ChartSpec {
  /** Each point's start, in seconds since the epoch, ascending. */
  xs: number[];
  /** The legend's name for the x value ("Day", "Week from"). */
  xLabel: string;
  xTick: (seconds: number) => string;
  xLegend: (seconds: number) => string;
  lines: ChartLine[];
  left: ChartAxis;
  right?: ChartAxis;
  height: number;
}

export interface Chart {
  resize(width: number): void;
  destroy(): void;
}

/** Colours and dash patterns by line: the dashes tell the lines apart without colour. */
const LINE_COLORS = ['--accent', '--success', '--warning', '--danger', '--info'];
const DASHES: number[][] = [[], [8, 4], [2, 3], [12, 4, 2, 4], [5, 5]];
const INTEGER_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000];

let pixel: CanvasRenderingContext2D | null | undefined;

/** A custom property's colour as canvas takes it (computed colours may be oklab() or color-mix()). */
function cssColor(host: HTMLElement, variable: string): string {
  const probe = document.createElement('span');
  probe.style.color = `var(${variable})`;
  host.append(probe);
  const computed = getComputedStyle(probe).color;
  probe.remove();
  pixel ??= document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  if (!pixel) return computed;
  pixel.clearRect(0, 0, 1, 1);
  pixel.fillStyle = '#000';
  pixel.fillStyle = computed;
  pixel.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = pixel.getImageData(0, 0, 1, 1).data;
  return `rgba(${r}, ${g}, ${b}, ${((a ?? 255) / 255).toFixed(3)})`;
}

function topOf(max: number | null, axis: ChartAxis): number {
  if (axis.max !== undefined) return axis.max;
  if (max === null || !Number.isFinite(max) || max <= 0) return axis.integers ? 5 : 1;
  return max * 1.1;
}

export function drawChart(host: HTMLElement, spec: ChartSpec, width: number): Chart {
  const text = cssColor(host, '--text-muted');
  const grid = cssColor(host, '--border');
  const colors = spec.lines.map((_, i) => cssColor(host, LINE_COLORS[i % LINE_COLORS.length]!));
  const font = `12px ${getComputedStyle(host).fontFamily}`;
  const few = spec.xs.length <= 60;

  const yAxis = (scale: 'left' | 'right', axis: ChartAxis): uPlot.Axis => ({
    scale,
    side: scale === 'left' ? 3 : 1,
    stroke: text,
    font,
    grid: { show: scale === 'left', stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
    ...(axis.integers ? { incrs: INTEGER_STEPS } : {}),
    values: (_u, splits) => splits.map((v) => axis.format(v)),
    // Wide enough for the longest label ("12.5 hr", "100 %").
    size: (_u, values) => 16 + 7 * Math.max(3, ...(values ?? []).map((v) => String(v).length)),
  });

  const options: uPlot.Options = {
    width,
    height: spec.height,
    // Points are UTC days and weeks: ticks fall on UTC midnights.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { drag: { x: false, y: false, setScale: false } },
    select: { show: false, left: 0, top: 0, width: 0, height: 0 },
    legend: { live: true },
    scales: {
      x: { time: true },
      left: { range: (_u, _min, max) => [0, topOf(max, spec.left)] },
      ...(spec.right ? { right: { range: (_u: uPlot, _min: number | null, max: number | null): uPlot.Range.MinMax => [0, topOf(max, spec.right!)] } } : {}),
    },
    series: [
      { label: spec.xLabel, value: (_u, x) => (x == null ? '' : spec.xLegend(x)) },
      ...spec.lines.map((line, i): uPlot.Series => ({
        label: line.label,
        scale: line.axis,
        stroke: colors[i]!,
        width: 2,
        dash: DASHES[i % DASHES.length]!,
        spanGaps: false,
        points: { show: few, size: 5, fill: colors[i]! },
        value: (_u, _v, _series, index) => (index == null ? '' : line.legendValue(index)),
      })),
    ],
    axes: [
      {
        stroke: text,
        font,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
        values: (_u, splits) => splits.map((x) => spec.xTick(x)),
      },
      yAxis('left', spec.left),
      ...(spec.right ? [yAxis('right', spec.right)] : []),
    ],
  };

  const plot = new uPlot(options, [spec.xs, ...spec.lines.map((line) => line.values)] as uPlot.AlignedData, host);
  return {
    resize: (next) => plot.setSize({ width: next, height: spec.height }),
    destroy: () => plot.destroy(),
  };
}
