// The query GET /api/events accepts: positions and limits as whole numbers, types repeated or comma-separated.

import { EventsQuerySchema } from '../../../src/modules/events/event-routes';

describe('GET /api/events query', () => {
  it('reads after, limit and type lists', () => {
    expect(EventsQuerySchema.parse({ after: '10', limit: '5', type: 'A,B' })).toEqual({ after: 10, limit: 5, type: ['A', 'B'] });
    expect(EventsQuerySchema.parse({ type: ['A', 'B,C', ''] })).toEqual({ type: ['A', 'B', 'C'] });
    expect(EventsQuerySchema.parse({})).toEqual({});
  });

  it.each([{ limit: '0' }, { limit: '1001' }, { limit: '2.5' }, { after: '-3' }, { after: 'x' }, { limit: '' }])('refuses %j', (q) => {
    expect(EventsQuerySchema.safeParse(q).success).toBe(false);
  });
});
