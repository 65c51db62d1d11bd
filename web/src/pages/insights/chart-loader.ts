/**
 * Loads the charting code (uPlot and its stylesheet) when the insights page first draws a chart:
 * no other page carries it, and the app's first load stays as it was.
 *
 * The dynamic import lives here, not in a component: sv-router 0.16 tells lazy routes from
 * components by matching `() => import(` in a function's source (see topics/idea-tools-loader.ts).
 */
export type ChartModule = typeof import('./uplot-chart');

let loading: Promise<ChartModule> | undefined;

export function loadCharts(): Promise<ChartModule> {
  loading ??= import('./uplot-chart').catch((error: unknown) => {
    // A failed chunk (a new deployment, a network drop) may load on the next try.
    loading = undefined;
    throw error;
  });
  return loading;
}
