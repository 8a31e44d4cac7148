import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AdmissionRequest, validateAdmissionRequest } from '@vigil/agent-protocol';
import { AgentBodyPipe, AgentRequestNonce, AgentSignatureGuard, CurrentAgent, type AgentNonce, type AgentPrincipal } from '@vigil/clusters';
import { Public } from '@vigil/shared/auth';
import { AdmissionService } from '../admission/admission.service';

/**
 * The agent asks before anything starts; signed like every agent endpoint.
 * The request's nonce is remembered in the decision's commit (one commit per
 * decision, not two), which refuses a replay there.
 */
@ApiExcludeController()
@Controller('v1/agent')
export class AdmissionController {
  constructor(private readonly admission: AdmissionService) {}

  @Public()
  @UseGuards(AgentSignatureGuard)
  @Post('admission')
  @HttpCode(200)
  decide(@CurrentAgent() agent: AgentPrincipal, @AgentRequestNonce() nonce: AgentNonce, @Body(new AgentBodyPipe(validateAdmissionRequest)) body: AdmissionRequest) {
    return this.admission.decide(agent, body, nonce);
  }
}
