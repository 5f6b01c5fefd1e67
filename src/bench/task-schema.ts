// zod schemas of the two published task formats, forgiving where the world varies (docs/jobs.md, "Task formats"):
// unknown keys are kept, numbers may come as strings or floats, sections are optional.
import { z } from 'zod';
import { parseSizeMb } from './parse-size.ts';

const num = z.union(
  [
    z.number(),
    z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .transform(Number),
  ],
  { error: 'expected a number' },
);
/** Timeouts, CPUs, memory and storage: a zero or negative value cannot be meant. */
const positive = num.pipe(z.number().positive({ error: 'must be greater than 0' }));
/** GPUs: none is a count too. */
const count = num.pipe(z.number().nonnegative({ error: 'must not be negative' }));
/** `memory` / `storage` as the TB2 release writes them ("2G", "512Mi") or a number of MB: readable and above 0. */
const size = z.union([z.string(), z.number()]).refine(
  (v) => {
    const mb = parseSizeMb(v);
    return mb !== undefined && mb > 0;
  },
  { error: 'expected a size above 0 such as "2G", "512M" or a number of MB' },
);
const stringList = z.union([z.array(z.string()), z.string().transform((s) => [s])]);
const envTable = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));
const user = z.union([z.string(), z.number()]);

/** A container path with no `..` part (it also names where the artifact lands in the trial). */
const artifactSource = z
  .string()
  .min(1)
  .refine((p) => !p.split('/').includes('..'), { error: 'must not contain ".." parts' });
const artifactDestination = z
  .string()
  .refine((p) => !p.startsWith('/') && !p.includes('\\') && !p.split('/').includes('..'), {
    error: 'must be a relative path with / separators and no ".." parts',
  })
  .refine((p) => p.replace(/\/+$/, '') !== 'manifest.json', { error: '"manifest.json" is reserved for the manifest' });
/** Harbor's ArtifactConfig: a path, or a table with source, destination, exclude, service. */
const artifactList = z.array(
  z.union([
    artifactSource,
    z.looseObject({
      source: artifactSource,
      destination: artifactDestination.optional(),
      exclude: z.array(z.string()).optional(),
      service: z.string().optional(),
    }),
  ]),
);
export type ArtifactListConfig = z.infer<typeof artifactList>;

/** Harbor's HealthcheckConfig, with its defaults. */
const healthcheck = z.looseObject({
  command: z.string().min(1),
  interval_sec: num.default(5),
  timeout_sec: num.default(30),
  start_period_sec: num.default(0),
  start_interval_sec: num.default(5),
  retries: num.pipe(z.number().int().min(1)).default(3),
});
export type HealthcheckConfig = z.infer<typeof healthcheck>;

/** The [verifier] keys that name a separate verifier environment or compose hooks (refused: they cannot run here). */
const verifierExtras = {
  user: user.optional(),
  environment_mode: z.enum(['shared', 'separate']).optional(),
  environment: z.record(z.string(), z.unknown()).optional(),
  collect: z.array(z.unknown()).optional(),
};

export const HarborTaskSchema = z.looseObject({
  version: z.union([z.string(), z.number()]).optional(),
  schema_version: z.union([z.string(), z.number()]).optional(),
  task: z
    .looseObject({ name: z.string().optional(), description: z.string().optional(), keywords: stringList.optional() })
    .optional(),
  metadata: z
    .looseObject({
      difficulty: z.string().optional(),
      category: z.string().optional(),
      tags: stringList.optional(),
    })
    .optional(),
  tags: z.union([stringList, z.record(z.string(), z.unknown())]).optional(),
  verifier: z.looseObject({ timeout_sec: positive.optional(), env: envTable.optional(), ...verifierExtras }).optional(),
  agent: z.looseObject({ timeout_sec: positive.optional(), user: user.optional() }).optional(),
  solution: z.looseObject({ env: envTable.optional() }).optional(),
  environment: z
    .looseObject({
      build_timeout_sec: positive.optional(),
      docker_image: z.string().optional(),
      image: z.string().optional(),
      cpus: positive.optional(),
      gpus: count.optional(),
      memory: size.optional(),
      memory_mb: positive.optional(),
      storage: size.optional(),
      storage_mb: positive.optional(),
      allow_internet: z.boolean().optional(),
      network_mode: z.string().optional(),
      os: z.string().optional(),
      workdir: z.string().optional(),
      env: envTable.optional(),
      healthcheck: healthcheck.optional(),
      mcp_servers: z.array(z.unknown()).optional(),
    })
    .optional(),
  multi_step_reward_strategy: z.enum(['mean', 'final']).optional(),
  artifacts: artifactList.optional(),
  steps: z
    .array(
      z.looseObject({
        // It names a directory under steps/ and one in the trial directory.
        name: z
          .string()
          .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, { error: 'must be a plain directory name (letters, digits, _ . -)' }),
        min_reward: z.union([num, z.record(z.string(), num)]).optional(),
        dependencies: stringList.optional(),
        inherit_prior_session: z.boolean().optional(),
        artifacts: artifactList.optional(),
        healthcheck: healthcheck.optional(),
        agent: z.looseObject({ timeout_sec: positive.optional(), user: user.optional() }).optional(),
        verifier: z
          .looseObject({ timeout_sec: positive.optional(), env: envTable.optional(), ...verifierExtras })
          .optional(),
      }),
    )
    .optional(),
});
export type HarborTaskConfig = z.infer<typeof HarborTaskSchema>;

export const Tb1TaskSchema = z.looseObject({
  instruction: z.string().optional(),
  descriptions: z.array(z.looseObject({ key: z.string(), description: z.string() })).optional(),
  difficulty: z.string().optional(),
  category: z.string().optional(),
  tags: stringList.optional(),
  max_agent_timeout_sec: positive.optional(),
  max_test_timeout_sec: positive.optional(),
  parser_name: z.string().optional(),
  run_tests_in_same_shell: z.boolean().optional(),
});
export type Tb1TaskConfig = z.infer<typeof Tb1TaskSchema>;
