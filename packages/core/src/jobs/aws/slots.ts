import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { conditionFields, itemAbsent, written } from '../../data/conditional';
import { keys } from '../../data/keys';
import { heldBy } from '../../data/lease';

/**
 * Active-job slots: the per-plan cap on unfinished jobs, exact under concurrency without transactions. A user with
 * a cap of N has slot items pk = USER#<sub>, sk = JOBSLOT#0000..N-1; a job holds one from submission until it
 * finishes. Taking one is a conditional put on a free slot (two concurrent submissions cannot take the same one),
 * releasing a conditional delete on the job id (idempotent, so a redelivered message can release it again): a lease
 * (data/lease.ts) held by the job, without an end.
 */
const slotKey = keys.jobSlot;

export interface SlotHolder {
  slot: number;
  jobId: string;
  claimedAt: string;
}

export interface JobSlots {
  holders(sub: string): Promise<SlotHolder[]>;
  /** The slot `jobId` holds (an existing one, or a newly taken one below `cap`), or null when all are taken. */
  take(sub: string, jobId: string, cap: number, at: string): Promise<number | null>;
  /** Frees `slot` if `jobId` still holds it. */
  release(sub: string, slot: number, jobId: string): Promise<void>;
}

export function createJobSlots(doc: DynamoDBDocumentClient, tableName: string): JobSlots {
  async function holders(sub: string): Promise<SlotHolder[]> {
    const { Items } = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.jobSlots(sub).pk, ':prefix': keys.jobSlots(sub).skPrefix },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((item) => ({
      slot: Number(String(item.sk).slice(keys.jobSlots(sub).skPrefix.length)),
      jobId: String(item.jobId),
      claimedAt: String(item.claimedAt),
    }));
  }

  return {
    holders,

    async take(sub, jobId, cap, at) {
      const taken = await holders(sub);
      const own = taken.find((holder) => holder.jobId === jobId);
      if (own) return own.slot;
      const busy = new Set(taken.map((holder) => holder.slot));
      for (let slot = 0; slot < cap; slot++) {
        if (busy.has(slot)) continue;
        const taken = await written(() =>
          doc.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...slotKey(sub, slot), jobId, claimedAt: at },
              ...conditionFields(itemAbsent),
            }),
          ),
        );
        if (taken) return slot;
        // Taken by a concurrent submission since the read: try the next one.
      }
      return null;
    },

    async release(sub, slot, jobId) {
      await written(() =>
        doc.send(
          new DeleteCommand({
            TableName: tableName,
            Key: slotKey(sub, slot),
            ...conditionFields(heldBy('jobId', jobId)),
          }),
        ),
      );
    },
  };
}
