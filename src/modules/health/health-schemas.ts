// The seed's health contracts (HealthStatus, HealthCheck, SystemHealth) as runtime schemas.

import { z } from 'zod';

export const HealthStatusSchema = z.enum(['healthy', 'degraded', 'unhealthy']).meta({ id: 'HealthStatus' });
export type HealthStatus = z.infer<typeof HealthStatusSchema>;

export const HealthCheckSchema = z
  .object({
    name: z.string(),
    status: HealthStatusSchema,
    message: z.string(),
    response_time_ms: z.number(),
    timestamp: z.string(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'HealthCheck' });
export type HealthCheck = z.infer<typeof HealthCheckSchema>;

export const SystemHealthSchema = z
  .object({
    overall_status: HealthStatusSchema,
    components: z.array(HealthCheckSchema),
    uptime_seconds: z.number(),
    version: z.string(),
  })
  .meta({ id: 'SystemHealth' });
export type SystemHealth = z.infer<typeof SystemHealthSchema>;
