import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from '../../clock';
import { keys } from '../../data/keys';
import { DEFAULT_PLAN, type Plan, PlanSchema } from '../../plans';

/** One item per user: pk = USER#<sub>, sk = PROFILE. `sub` always comes from a verified token. */
export const userKey = keys.userProfile;

export interface UserRecord {
  sub: string;
  plan: Plan;
  createdAt?: string;
  updatedAt?: string;
}

export interface UsersRepository {
  /** The stored record, or the defaults for a user toolgate has not seen yet (no write on read). */
  get(sub: string): Promise<UserRecord>;
  setPlan(sub: string, plan: Plan): Promise<UserRecord>;
}

export function createUsersRepository(
  doc: DynamoDBDocumentClient,
  tableName: string,
  clock: Clock = systemClock,
): UsersRepository {
  return {
    async get(sub) {
      const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: userKey(sub) }));
      const plan = PlanSchema.safeParse(Item?.plan);
      return {
        sub,
        plan: plan.success ? plan.data : DEFAULT_PLAN,
        ...(typeof Item?.createdAt === 'string' ? { createdAt: Item.createdAt } : {}),
        ...(typeof Item?.updatedAt === 'string' ? { updatedAt: Item.updatedAt } : {}),
      };
    },

    async setPlan(sub, plan) {
      const at = new Date(clock()).toISOString();
      const { Attributes } = await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: userKey(sub),
          UpdateExpression:
            'SET #plan = :plan, #updatedAt = :at, #sub = :sub, #createdAt = if_not_exists(#createdAt, :at)',
          ExpressionAttributeNames: {
            '#plan': 'plan',
            '#updatedAt': 'updatedAt',
            '#createdAt': 'createdAt',
            '#sub': 'sub',
          },
          ExpressionAttributeValues: { ':plan': plan, ':at': at, ':sub': sub },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { sub, plan, createdAt: Attributes?.createdAt as string, updatedAt: at };
    },
  };
}
