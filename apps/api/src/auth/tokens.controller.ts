import { Body, Controller, Inject, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import {
  APP_CONFIG,
  type AppConfig,
  ApiPrincipalPost,
  DoNotStoreAnswer,
  Roles,
  SUBJECT_ID_PATTERN,
  TokenService,
  VALIDATION_ERRORS,
} from '@danbao/platform';

export class MintTokenDto {
  @ApiProperty({ enum: ['buyer', 'seller'] })
  @IsIn(['buyer', 'seller'])
  role!: 'buyer' | 'seller';

  @ApiProperty({ example: 'buyer_42' })
  @IsString()
  @Matches(SUBJECT_ID_PATTERN, { message: 'subject_id must be 1-64 letters, digits, _ . or -' })
  subject_id!: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 86_400, default: 900 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  ttl_seconds?: number;
}

export class TokenResponse {
  @ApiProperty({ enum: ['token'] })
  object!: 'token';

  @ApiProperty({ description: 'send as `Authorization: Bearer <token>`' })
  token!: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  expires_at!: string;

  @ApiProperty({ enum: ['buyer', 'seller'] })
  role!: 'buyer' | 'seller';

  @ApiProperty({ example: 'buyer_42' })
  subject_id!: string;

  @ApiPropertyOptional({
    description:
      'seller tokens only: the seller console link (`<PUBLIC_URL>/seller/session?token=…`) to send the seller to; it opens one session, and only while the token is valid and if it was minted for at most 900 seconds',
    example: 'https://danbao.example.com/seller/session?token=eyJhbGciOiJIUzI1NiJ9…',
  })
  console_url?: string;
}

@ApiTags('auth')
@ApiBearerAuth()
@Controller('v1/auth/tokens')
export class TokensController {
  constructor(
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The marketplace mints a short-lived token bound to one of its buyers or sellers. A token is a
   * credential, so it is never stored for replay: a retry with the same Idempotency-Key mints a
   * fresh one.
   */
  @Post()
  @DoNotStoreAnswer()
  @Roles('marketplace')
  @ApiOperation({ summary: 'Mint a short-lived token for one buyer or seller (marketplace)' })
  @ApiCreatedResponse({ type: TokenResponse })
  @ApiPrincipalPost(VALIDATION_ERRORS)
  mint(@Body() body: MintTokenDto) {
    const minted = this.tokens.mint(body.role, body.subject_id, body.ttl_seconds ?? 900);
    return {
      object: 'token',
      token: minted.token,
      expires_at: minted.expiresAt.toISOString(),
      role: body.role,
      subject_id: body.subject_id,
      ...(body.role === 'seller'
        ? { console_url: `${this.config.publicUrl}/seller/session?token=${encodeURIComponent(minted.token)}` }
        : {}),
    };
  }
}
