// The events of a Profile's stream and the data each carries.

import type { ProfileFields } from './profile';

export const PROFILE_CREATED = 'ProfileCreated';
export const PROFILE_UPDATED = 'ProfileUpdated';
export const INTELLIGENCE_REPORT_ADDED = 'IntelligenceReportAdded';
export const PROFILE_EVENT_TYPES = [PROFILE_CREATED, PROFILE_UPDATED, INTELLIGENCE_REPORT_ADDED] as const;

export type ProfileCreatedData = ProfileFields;
/** Only the fields that changed, with their new values (null clears). */
export type ProfileUpdatedData = Partial<ProfileFields>;
export interface IntelligenceReportAddedData {
  run_id: string;
  tier: string;
  report: unknown;
}

export type ProfileEvent =
  | { type: typeof PROFILE_CREATED; data: ProfileCreatedData }
  | { type: typeof PROFILE_UPDATED; data: ProfileUpdatedData }
  | { type: typeof INTELLIGENCE_REPORT_ADDED; data: IntelligenceReportAddedData };
