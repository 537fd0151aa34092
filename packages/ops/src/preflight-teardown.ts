import { type StageSettings, TEARDOWN_BACKUP_ENV, tableName } from '@toolgate/core/deploy/stages';
import type { Finding } from './preflight';

/** What DescribeBackup says about the backup named for a teardown. */
export interface BackupFacts {
  arn: string;
  tableName: string;
  /** `CREATING`, `AVAILABLE` or `DELETED`. */
  status: string;
  /** `USER` (on-demand), `SYSTEM` or `AWS_BACKUP`. */
  type: string;
  createdAt: Date;
}

/** A teardown backup older than this no longer holds what the stage holds now: take a fresh one. */
export const TEARDOWN_BACKUP_MAX_AGE_HOURS = 24;

/**
 * `pnpm preflight --stage <s> --teardown --backup <arn>`: before `sst remove` of a stage that retains its data, an
 * on-demand backup of this stage's table must exist, be AVAILABLE and be recent.
 */
export function checkTeardownBackup(
  stage: string,
  settings: StageSettings,
  backup: BackupFacts | Error | null,
  now: Date,
): Finding {
  const table = tableName(stage);
  if (!settings.retain) {
    return {
      level: 'ok',
      title: `Stage ${stage} does not retain its data: \`sst remove\` deletes the table, the bucket and the user pool`,
      detail: ['No backup is required; take one anyway if anything in it matters.'],
    };
  }
  const howTo = [
    `  aws dynamodb create-backup --table-name ${table} --backup-name ${table}-teardown`,
    `  pnpm preflight --stage ${stage} --teardown --backup <BackupArn>`,
  ];
  if (backup === null) {
    return { level: 'fail', title: `Name the on-demand backup of ${table} with --backup`, detail: howTo };
  }
  if (backup instanceof Error) {
    return {
      level: 'fail',
      title: 'Could not read the backup',
      detail: [`DescribeBackup failed: ${backup.message}`, ...howTo],
    };
  }
  const problems: string[] = [];
  if (backup.tableName !== table) problems.push(`it is a backup of ${backup.tableName}, not of ${table}`);
  if (backup.type !== 'USER') problems.push(`it is a ${backup.type} backup, not an on-demand (USER) one`);
  if (backup.status !== 'AVAILABLE') problems.push(`it is ${backup.status}, not AVAILABLE yet`);
  const ageHours = (now.getTime() - backup.createdAt.getTime()) / 3_600_000;
  if (ageHours > TEARDOWN_BACKUP_MAX_AGE_HOURS) {
    problems.push(`it is ${Math.floor(ageHours)} hours old (at most ${TEARDOWN_BACKUP_MAX_AGE_HOURS})`);
  }
  if (problems.length > 0) {
    return { level: 'fail', title: `The backup cannot stand for ${table}`, detail: [...problems, ...howTo] };
  }
  return {
    level: 'ok',
    title: `On-demand backup of ${table} is AVAILABLE`,
    detail: [
      'Remove the stage with it named (sst.config.ts refuses otherwise):',
      `  ${TEARDOWN_BACKUP_ENV}=${backup.arn} pnpm sst remove --stage ${stage}`,
      'The table, the uploads bucket and the user pool stay (docs/deploy.md, "Tearing down a stage").',
    ],
  };
}
