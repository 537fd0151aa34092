/**
 * Every key of the single table, in one place. toolgate keeps users, limits, jobs, uploads, conversations, billing
 * and the catalog in one DynamoDB table (`pk`, `sk`, the sparse index `gsi1pk`/`gsi1sk`); a prefix decides which
 * kind of item a key names, so two kinds must never share one. `keys.test.ts` checks that no prefix is a prefix of
 * another in the same key space, and that no other source file spells a key.
 *
 * Keys that belong to a user start from the verified `sub`, never from a path or body field (DESIGN §5).
 */

/** Partition key prefixes (`pk`). */
export const PARTITION = {
  /** A user's own items: profile, limit counters, job slots and usage, conversations, uploads. */
  user: 'USER#',
  job: 'JOB#',
  product: 'PRODUCT#',
  idempotency: 'IDEMP#',
  stripeEvent: 'STRIPE_EVENT#',
  stripeCustomer: 'STRIPE_CUSTOMER#',
} as const;

/** Sort keys (`sk`) of the items in a user's partition: exact values or prefixes. */
export const USER_ITEM = {
  profile: 'PROFILE',
  requestCounter: 'LIMIT#REQ#',
  tokenCounter: 'LIMIT#TOKENS#',
  jobUsage: 'USAGE#JOB#',
  jobSlot: 'JOBSLOT#',
  conversation: 'CONV#',
  upload: 'UPLOAD#',
} as const;

/** The sort key of the one item in each other partition. */
export const SINGLE_ITEM = {
  job: 'JOB',
  product: 'PRODUCT',
  idempotency: 'IDEMP',
  stripeEvent: 'EVENT',
  stripeCustomer: 'CUSTOMER',
} as const;

/** Partitions of the `gsi1` index (`gsi1pk`): exact values or prefixes. */
export const INDEX_PARTITION = {
  /** Every product, for listing and search. */
  catalog: 'CATALOG',
  /** An owner's jobs, newest first. */
  ownerJobs: 'JOBS#',
  /** An owner's READY documents (sparse: only ready uploads carry it). */
  documents: 'DOCS#',
} as const;

export interface ItemKey {
  pk: string;
  sk: string;
}

const userPk = (sub: string) => `${PARTITION.user}${sub}`;

export const keys = {
  userProfile: (sub: string): ItemKey => ({ pk: userPk(sub), sk: USER_ITEM.profile }),
  /** A per-minute (or other fixed window) request counter of one rate class. */
  requestCounter: (sub: string, counter: string, window: string): ItemKey => ({
    pk: userPk(sub),
    sk: `${USER_ITEM.requestCounter}${counter}#${window}`,
  }),
  tokenCounter: (sub: string, month: string): ItemKey => ({ pk: userPk(sub), sk: `${USER_ITEM.tokenCounter}${month}` }),
  jobUsage: (sub: string, jobId: string): ItemKey => ({ pk: userPk(sub), sk: `${USER_ITEM.jobUsage}${jobId}` }),
  /** Slot numbers are zero-padded so that a `begins_with` query lists them in order. */
  jobSlot: (sub: string, slot: number): ItemKey => ({
    pk: userPk(sub),
    sk: `${USER_ITEM.jobSlot}${String(slot).padStart(4, '0')}`,
  }),
  /** The partition and prefix that list a user's job slots. */
  jobSlots: (sub: string) => ({ pk: userPk(sub), skPrefix: USER_ITEM.jobSlot }),
  conversation: (sub: string, id: string): ItemKey => ({ pk: userPk(sub), sk: `${USER_ITEM.conversation}${id}` }),
  upload: (sub: string, id: string): ItemKey => ({ pk: userPk(sub), sk: `${USER_ITEM.upload}${id}` }),
  /** The partition key of a user's items, to check that a decoded cursor stays in it. */
  userPartition: userPk,
  job: (jobId: string): ItemKey => ({ pk: `${PARTITION.job}${jobId}`, sk: SINGLE_ITEM.job }),
  product: (id: string): ItemKey => ({ pk: `${PARTITION.product}${id}`, sk: SINGLE_ITEM.product }),
  idempotency: (sub: string, key: string): ItemKey => ({
    pk: `${PARTITION.idempotency}${sub}#${key}`,
    sk: SINGLE_ITEM.idempotency,
  }),
  stripeEvent: (eventId: string): ItemKey => ({
    pk: `${PARTITION.stripeEvent}${eventId}`,
    sk: SINGLE_ITEM.stripeEvent,
  }),
  stripeCustomer: (customerId: string): ItemKey => ({
    pk: `${PARTITION.stripeCustomer}${customerId}`,
    sk: SINGLE_ITEM.stripeCustomer,
  }),
} as const;

/** `gsi1` keys. Sort keys end with the item's id, so two items written at the same instant never collide. */
export const indexKeys = {
  catalog: (category: string, id: string) => ({ gsi1pk: INDEX_PARTITION.catalog, gsi1sk: `${category}#${id}` }),
  ownerJobs: (owner: string, createdAt: string, jobId: string) => ({
    gsi1pk: `${INDEX_PARTITION.ownerJobs}${owner}`,
    gsi1sk: `${createdAt}#${jobId}`,
  }),
  documents: (sub: string, readyAt: string, id: string) => ({
    gsi1pk: `${INDEX_PARTITION.documents}${sub}`,
    gsi1sk: `${readyAt}#${id}`,
  }),
  /** The index partitions a listing queries. */
  catalogPartition: INDEX_PARTITION.catalog,
  ownerJobsPartition: (owner: string) => `${INDEX_PARTITION.ownerJobs}${owner}`,
  documentsPartition: (sub: string) => `${INDEX_PARTITION.documents}${sub}`,
} as const;
