/** Who the audit log and the runs name for what Syncline does by itself (schedules, polls, the demo's set-up), as opposed to a user. */
export const SYSTEM_ACTOR = 'system';
