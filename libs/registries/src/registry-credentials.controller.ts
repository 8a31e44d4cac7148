import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, Requires } from '@vigil/shared/auth';
import { RegistryCredentialService } from './registry-credential.service';
import { SetRegistryCredentialDto } from './set-registry-credential.dto';

@ApiTags('registries')
@ApiBearerAuth()
@Controller('v1/registry-credentials')
export class RegistryCredentialsController {
  constructor(private readonly service: RegistryCredentialService) {}

  @Get()
  @Requires('viewer')
  @ApiOperation({ summary: "The org's registry logins (never their secrets)" })
  list(@CurrentCaller() caller: Caller) {
    return this.service.list(caller);
  }

  @Post()
  @HttpCode(201)
  @Requires('owner')
  @ApiOperation({ summary: 'Set the login Vigil uses for a registry (replaces an earlier one); stored encrypted' })
  set(@CurrentCaller() caller: Caller, @Body() dto: SetRegistryCredentialDto) {
    return this.service.set(caller, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Requires('owner')
  remove(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.service.remove(caller, id);
  }
}
