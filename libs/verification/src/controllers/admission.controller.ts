import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AdmissionRequest, validateAdmissionRequest } from '@vigil/agent-protocol';
import { AgentAuthGuard, AgentBodyPipe, AgentPrincipal, CurrentAgent } from '@vigil/clusters';
import { Public } from '@vigil/shared/auth';
import { AdmissionService } from '../admission/admission.service';

/** The agent asks before anything starts; signed like every agent endpoint. */
@ApiExcludeController()
@Controller('v1/agent')
export class AdmissionController {
  constructor(private readonly admission: AdmissionService) {}

  @Public()
  @UseGuards(AgentAuthGuard)
  @Post('admission')
  @HttpCode(200)
  decide(@CurrentAgent() agent: AgentPrincipal, @Body(new AgentBodyPipe(validateAdmissionRequest)) body: AdmissionRequest) {
    return this.admission.decide(agent, body);
  }
}
