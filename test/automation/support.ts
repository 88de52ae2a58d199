import { prisma } from '../../src/lib/db.js';
import { rawId, type RegisteredUser, type TestApp } from '../support/app.js';
import { ERROR_FIELDS, QUOTA_FIELDS, ok, type ErrorResult } from '../support/templates.js';

// Operations and helpers of the automation tests.

export const JOB_FIELDS =
  'id name syncDays statuses sourceIds overrides isActive lastRunAt nextRunAt runCount templates { id name } schedule { type timezone time hours days expression cron }';
export const REPORT_FIELDS =
  'syncedCount foundCount matchedCount startedCount sources { sourceId name type found created error } recordings { recordingId displayName templateName action reason pipelineRunId }';
export const CREATE_JOB = `mutation($input: CreateAutomationJobInput!) { createAutomationJob(input: $input) { ${ERROR_FIELDS} ${QUOTA_FIELDS} ... on AutomationJob { ${JOB_FIELDS} } } }`;
export const UPDATE_JOB = `mutation($id: ID!, $input: UpdateAutomationJobInput!) { updateAutomationJob(id: $id, input: $input) { ${ERROR_FIELDS} ... on AutomationJob { ${JOB_FIELDS} } } }`;
export const DELETE_JOB = `mutation($id: ID!) { deleteAutomationJob(id: $id) { __typename ... on Error { code message } ... on MutationDeleteAutomationJobSuccess { data } } }`;
export const RUN_JOB = `mutation($id: ID!, $dryRun: Boolean) { runAutomationJob(id: $id, dryRun: $dryRun) { ${ERROR_FIELDS} ... on AutomationRunResult { dryRun run { id status trigger } report { ${REPORT_FIELDS} } } } }`;
export const RUNS = `query($jobId: ID!, $first: Int, $after: String) { automationRuns(jobId: $jobId, first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id status trigger dryRun error startedAt finishedAt report { ${REPORT_FIELDS} } } } } }`;

export interface JobResult extends ErrorResult {
  id: string;
  name: string;
  isActive: boolean;
  nextRunAt: string | null;
  lastRunAt: string | null;
  runCount: number;
  templates: Array<{ id: string; name: string }>;
  schedule: { type: string; timezone: string; time: string | null; hours: number | null; days: string[] | null; expression: string | null; cron: string } | null;
}

export interface Report {
  syncedCount: number;
  foundCount: number;
  matchedCount: number;
  startedCount: number;
  sources: Array<{ sourceId: string; name: string; type: string; found: number; created: number; error: string | null }>;
  recordings: Array<{ recordingId: string | null; displayName: string; templateName: string | null; action: string; reason: string | null; pipelineRunId: string | null }>;
}

export interface RunResult extends ErrorResult {
  dryRun: boolean;
  run: { id: string; status: string; trigger: string } | null;
  report: Report;
}

export async function createJob(app: TestApp, token: string, input: Record<string, unknown>): Promise<JobResult> {
  return (await ok<{ createAutomationJob: JobResult }>(app, CREATE_JOB, { input }, token)).createAutomationJob;
}

export async function runJob(app: TestApp, token: string, id: string, dryRun: boolean): Promise<RunResult> {
  return (await ok<{ runAutomationJob: RunResult }>(app, RUN_JOB, { id, dryRun }, token)).runAutomationJob;
}

/** Template with keyword rules, through the API. */
export async function createTemplate(app: TestApp, token: string, name: string, keywords: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const res = await ok<{ createTemplate: { __typename: string; id: string } }>(
    app,
    `mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { ${ERROR_FIELDS} ... on Template { id } } }`,
    { input: { name, matchingRules: { keywords }, ...extra } },
    token,
  );
  if (res.createTemplate.__typename !== 'Template') throw new Error(JSON.stringify(res));
  return res.createTemplate.id;
}

export async function usePlan(user: RegisteredUser, plan: string): Promise<void> {
  const { id } = await prisma.plan.findUniqueOrThrow({ where: { name: plan } });
  await prisma.tenant.update({ where: { id: rawId(user.tenantId) }, data: { planId: id } });
}

/** Row counts of everything a run could create or change, for "a dry run creates nothing". */
export async function footprint(user: RegisteredUser) {
  const tenantId = rawId(user.tenantId);
  const [recordings, runs, steps, automationRuns, jobs] = await Promise.all([
    prisma.recording.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
    prisma.pipelineRun.count({ where: { tenantId } }),
    prisma.pipelineStep.count({ where: { tenantId } }),
    prisma.automationRun.count({ where: { tenantId } }),
    prisma.automationJob.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
  ]);
  return { recordings, runs, steps, automationRuns, jobs };
}

export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
