import { Global, Inject, Module, OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { ApiKeyService } from './api-key.service';
import { AuthGuard } from './auth.guard';
import { TokenService } from './token.service';

/** API keys, tokens and the global guard; creates DANBAO_BOOTSTRAP_API_KEY when it is set. */
@Global()
@Module({
  providers: [ApiKeyService, TokenService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiKeyService, TokenService],
})
export class AuthModule implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ApiKeyService) private readonly apiKeys: ApiKeyService,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.bootstrapApiKey) await this.apiKeys.ensure(this.config.bootstrapApiKey);
  }
}
