// An example remote agent written with the agent SDK: reserves stock, releases a reservation (the
// saga compensation) and charges an order. State is in memory: it is an example, not a warehouse.
// Outside this repository, import from 'catalynx/agent-sdk'.

import { randomUUID } from 'node:crypto';
import { defineAgent, PermanentError, type AgentDefinition } from '../../src/agent-sdk';

export interface Reservation {
  reservation_id: string;
  sku: string;
  quantity: number;
}

/** Reads `{name: positive integer}` from an action's input, or refuses it for good. */
function positiveInteger(input: unknown, name: string): number {
  const value = (input as Record<string, unknown> | null)?.[name];
  if (!Number.isInteger(value) || (value as number) <= 0) throw new PermanentError(`${name} must be a positive integer`, 'invalid_input');
  return value as number;
}

export function inventoryAgent(opts: { stock: Record<string, number>; chargeLimit: number }): AgentDefinition {
  const stock = new Map(Object.entries(opts.stock));
  const reservations = new Map<string, Reservation>();
  return defineAgent({
    id: 'inventory',
    name: 'Inventory (example)',
    version: '1.0.0',
    capabilities: ['inventory', 'payments'],
    actions: {
      reserve(input) {
        const sku = (input as { sku?: unknown } | null)?.sku;
        if (typeof sku !== 'string' || !stock.has(sku)) throw new PermanentError(`unknown sku ${JSON.stringify(sku)}`, 'unknown_sku');
        const quantity = positiveInteger(input, 'quantity');
        const left = stock.get(sku)!;
        if (quantity > left) throw new PermanentError(`only ${left} of ${sku} left`, 'out_of_stock');
        stock.set(sku, left - quantity);
        const reservation = { reservation_id: randomUUID(), sku, quantity };
        reservations.set(reservation.reservation_id, reservation);
        return { ...reservation, left: left - quantity };
      },
      // A compensation gets {step_id, output, input}: `output` is what reserve answered.
      release(input) {
        const id = (input as { output?: { reservation_id?: unknown } } | null)?.output?.reservation_id;
        const reservation = typeof id === 'string' ? reservations.get(id) : undefined;
        if (!reservation) return { released: false };
        reservations.delete(reservation.reservation_id);
        stock.set(reservation.sku, (stock.get(reservation.sku) ?? 0) + reservation.quantity);
        return { released: true, reservation_id: reservation.reservation_id, left: stock.get(reservation.sku) };
      },
      charge(input) {
        const amount = positiveInteger(input, 'amount');
        if (amount > opts.chargeLimit) throw new PermanentError(`card declined: ${amount} is over the limit of ${opts.chargeLimit}`, 'card_declined');
        return { charged: amount };
      },
      stock: () => Object.fromEntries(stock),
    },
  });
}
