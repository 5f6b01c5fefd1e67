// What a view receives besides its data: the data source and the page's navigation. Views (job, trial,
// run, comparison, index) render into a root element and call these to move to another view.
import type { JobReport, ReportSource } from '../report-data.ts';

export interface ViewContext {
  source: ReportSource;
  /** Opens a trial's view (a TrialRow.detail_ref), e.g. from a table row or a heatmap cell. */
  openTrial(ref: string, label: string): void;
  /** Opens a job inside the current report (a run's iteration job, one side of a comparison). */
  openJob(job: JobReport, label: string): void;
  /** ahe serve only: opens another entry of the served directory (path relative to it). */
  openEntry?(path: string): void;
  /** Whether the page is live (ahe serve): views may show progress and update in place. */
  live: boolean;
}
