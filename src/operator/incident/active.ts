/**
 * One incident per PVC at a time: a second Incident on a PVC that another unfinished Incident
 * already works on (or plans, or waits for approval on) is refused, the way `holdfast incident run`
 * refuses a second run on a volume. The older one wins (creation time, then name), so two created
 * together never refuse each other. Only checked before an Incident has changed anything. Pure.
 */
export interface IncidentView {
  name: string;
  pvc: string;
  createdAt: Date;
  phase?: string | undefined;
}

export function activeConflict(self: IncidentView, others: readonly IncidentView[]): { reason: 'IncidentActive'; message: string } | undefined {
  const older = (o: IncidentView) => o.createdAt.getTime() < self.createdAt.getTime() || (o.createdAt.getTime() === self.createdAt.getTime() && o.name < self.name);
  const blocking = others
    .filter((o) => o.name !== self.name && o.pvc === self.pvc && o.phase !== 'Succeeded' && o.phase !== 'Failed' && o.phase !== 'Aborted' && older(o))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())[0];
  if (!blocking) return undefined;
  return {
    reason: 'IncidentActive',
    message: `Incident ${blocking.name} is already active on PVC ${self.pvc} (phase ${blocking.phase ?? 'Planning'}); nothing was changed — let it finish or delete it, then create this one again`,
  };
}
