import { Processor, WorkerHost } from '@nestjs/bullmq';
import { ReverifySweepService, type SweepReport } from '@vigil/continuous-verification';
import { QUEUE_NAMES } from '@vigil/shared/queue';

/** The reverify tick is a job scheduler's job: one replica runs each tick, whatever the number of replicas. */
@Processor(QUEUE_NAMES.reverifySweep, { concurrency: 1 })
export class ReverifySweepProcessor extends WorkerHost {
  constructor(private readonly sweep: ReverifySweepService) {
    super();
  }

  process(): Promise<SweepReport> {
    return this.sweep.tick();
  }
}
