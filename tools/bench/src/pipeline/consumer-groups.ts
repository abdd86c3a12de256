import type { Kafka } from 'kafkajs';

/**
 * The platform's consumer groups (`audit`, `webhook`) have fixed names on a shared broker: a
 * second platform on the same broker (an end-to-end test, a dev stack) joins the same groups
 * and takes some of the partitions, so some of the benchmark's events would be consumed by the
 * other platform. Answers a warning naming the members that are not this platform's (told apart
 * by host is not possible on one machine, so by count), or undefined when the group looks
 * like this platform's alone.
 */
export async function foreignMembersWarning(kafka: Kafka, group: string, expectedMembers: number): Promise<string | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([group]);
    const members = groups[0]?.members.length ?? 0;
    if (members <= expectedMembers) return undefined;
    return `Consumer group "${group}" had ${members} members where this platform runs ${expectedMembers}: another platform on the same broker shares the group and some events went to it; this run's figures for it are not reliable.`;
  } finally {
    await admin.disconnect();
  }
}
