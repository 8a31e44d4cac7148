import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  CommandAckRequest,
  HeartbeatRequest,
  RegisterRequest,
  validateCommandAckRequest,
  validateHeartbeatRequest,
  validateRegisterRequest,
} from '@vigil/agent-protocol';
import { Public } from '@vigil/shared/auth';
import { AgentAuthGuard, AgentPrincipal, CurrentAgent } from '../agent-auth/agent-auth.guard';
import { AgentBodyPipe } from '../agent-auth/agent-body.pipe';
import { AgentSessionService } from '../services/agent-session.service';

/** Agent endpoints: no user credential (@Public), a signed request instead (AgentAuthGuard). */
@ApiExcludeController()
@Controller('v1/agent')
export class AgentController {
  constructor(private readonly sessions: AgentSessionService) {}

  @Public()
  @Post('register')
  @HttpCode(201)
  register(@Body(new AgentBodyPipe(validateRegisterRequest)) body: RegisterRequest) {
    return this.sessions.register(body);
  }

  @Public()
  @UseGuards(AgentAuthGuard)
  @Post('heartbeat')
  @HttpCode(200)
  heartbeat(@CurrentAgent() agent: AgentPrincipal, @Body(new AgentBodyPipe(validateHeartbeatRequest)) body: HeartbeatRequest) {
    return this.sessions.heartbeat(agent, body);
  }

  @Public()
  @UseGuards(AgentAuthGuard)
  @Get('commands')
  commands(@CurrentAgent() agent: AgentPrincipal) {
    return this.sessions.pendingCommands(agent);
  }

  @Public()
  @UseGuards(AgentAuthGuard)
  @Post('commands/:id/ack')
  @HttpCode(200)
  ack(@CurrentAgent() agent: AgentPrincipal, @Param('id') id: string, @Body(new AgentBodyPipe(validateCommandAckRequest)) body: CommandAckRequest) {
    return this.sessions.ackCommand(agent, id, body);
  }
}
