// zod schemas of the two published task formats, forgiving where the world varies (docs/jobs.md, "Task formats"):
// unknown keys are kept, numbers may come as strings or floats, sections are optional.
import { z } from 'zod';

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
const stringList = z.union([z.array(z.string()), z.string().transform((s) => [s])]);
const envTable = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

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
  verifier: z.looseObject({ timeout_sec: num.optional(), env: envTable.optional() }).optional(),
  agent: z.looseObject({ timeout_sec: num.optional() }).optional(),
  solution: z.looseObject({ env: envTable.optional() }).optional(),
  environment: z
    .looseObject({
      build_timeout_sec: num.optional(),
      docker_image: z.string().optional(),
      image: z.string().optional(),
      cpus: num.optional(),
      gpus: num.optional(),
      memory: z.union([z.string(), z.number()]).optional(),
      memory_mb: num.optional(),
      storage: z.union([z.string(), z.number()]).optional(),
      storage_mb: num.optional(),
      allow_internet: z.boolean().optional(),
      network_mode: z.string().optional(),
      os: z.string().optional(),
      workdir: z.string().optional(),
      env: envTable.optional(),
    })
    .optional(),
  steps: z
    .array(
      z.looseObject({
        name: z.string(),
        min_reward: num.optional(),
        dependencies: stringList.optional(),
        inherit_prior_session: z.boolean().optional(),
        artifacts: stringList.optional(),
        agent: z.looseObject({ timeout_sec: num.optional() }).optional(),
        verifier: z.looseObject({ timeout_sec: num.optional() }).optional(),
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
  max_agent_timeout_sec: num.optional(),
  max_test_timeout_sec: num.optional(),
  parser_name: z.string().optional(),
  run_tests_in_same_shell: z.boolean().optional(),
});
export type Tb1TaskConfig = z.infer<typeof Tb1TaskSchema>;
