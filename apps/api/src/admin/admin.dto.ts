import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsDefined, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ADMIN_EMAIL_PATTERN, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@danbao/admins';
import { AUDIT_ACTION_PATTERN, SWITCH_NAMES, type SwitchName } from '@danbao/platform';
import { ListQueryDto } from '../common/list-query.dto';

class EmailPasswordDto {
  @ApiProperty({ example: 'ops@example.com', maxLength: 254 })
  @IsDefined({ message: 'email is required' })
  @IsString({ message: 'email must be an email address' })
  @MaxLength(254, { message: 'email must be an email address' })
  @Matches(ADMIN_EMAIL_PATTERN, { message: 'email must be an email address' })
  email!: string;
}

export class SignInDto extends EmailPasswordDto {
  @ApiProperty({ example: 'correct horse battery staple', maxLength: PASSWORD_MAX_LENGTH })
  @IsDefined({ message: 'password is required' })
  @IsString({ message: 'password must be a string' })
  @MinLength(1, { message: 'password is required' })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: `password must be at most ${PASSWORD_MAX_LENGTH} characters` })
  password!: string;
}

export class CreateAdminDto extends EmailPasswordDto {
  // Its length is checked by AdminAccounts (in code points), the one rule the CLI and bootstrap share.
  @ApiProperty({
    example: 'correct horse battery staple',
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    description: `at least ${PASSWORD_MIN_LENGTH} characters; stored only as a salted scrypt hash`,
  })
  @IsDefined({ message: 'password is required' })
  @IsString({ message: 'password must be a string' })
  password!: string;
}

export class AdminSessionResponse {
  @ApiProperty({ description: 'an admin token: send as `Authorization: Bearer <token>`' })
  token!: string;

  @ApiProperty({ type: 'string', format: 'date-time', description: '8 hours after sign-in' })
  expires_at!: string;
}

export class AdminResponse {
  @ApiProperty({ example: 'adm_01m8t431w156gxbxxcw040nneg' })
  id!: string;

  @ApiProperty({ enum: ['admin'] })
  object!: 'admin';

  @ApiProperty({ example: 'ops@example.com' })
  email!: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  created_at!: string;

  @ApiProperty({
    type: 'string',
    nullable: true,
    example: 'adm_01m8t431w156gxbxxcw040nneg',
    description: 'the admin who added this one; null when the operator did (CLI or DANBAO_BOOTSTRAP_ADMIN)',
  })
  created_by!: string | null;
}

export class AuditActorResponse {
  @ApiProperty({
    enum: ['admin', 'operator', 'anonymous'],
    description:
      '`admin`: a signed-in admin; `operator`: the CLI or DANBAO_BOOTSTRAP_ADMIN (`id` says which); ' +
      '`anonymous`: nobody signed in (a refused sign-in: `email` is the address tried)',
  })
  type!: string;

  @ApiProperty({ type: 'string', nullable: true, example: 'adm_01m8t431w156gxbxxcw040nneg' })
  id!: string | null;

  @ApiProperty({ type: 'string', nullable: true, example: 'ops@example.com' })
  email!: string | null;
}

export class AuditEntryResponse {
  @ApiProperty({ example: 'aud_01m8t431w156gxbxxcw040nneg' })
  id!: string;

  @ApiProperty({ enum: ['audit_entry'] })
  object!: 'audit_entry';

  @ApiProperty({
    example: 'admin.create',
    description:
      '`admin.create`, `admin.sign_in`, `admin.sign_in_refused`, and the actions of other admin routes',
  })
  action!: string;

  @ApiProperty({ type: AuditActorResponse })
  actor!: AuditActorResponse;

  @ApiProperty({ type: 'string', nullable: true, example: 'admin' })
  subject_type!: string | null;

  @ApiProperty({ type: 'string', nullable: true, example: 'adm_01m8t431w156gxbxxcw040nneg' })
  subject_id!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'the subject before the action (null when the action created it)',
  })
  before!: unknown;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'the subject after the action, or what the action decided',
  })
  after!: unknown;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'the `X-Request-Id` of the request that did it',
  })
  request_id!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  created_at!: string;
}

export class ListAuditQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ example: 'admin.sign_in_refused', description: 'only entries of this action' })
  @IsOptional()
  @IsString()
  @Matches(AUDIT_ACTION_PATTERN, { message: 'action must be an action like admin.create' })
  @MaxLength(64)
  action?: string;
}

export class LedgerCurrencyTotalsResponse {
  @ApiProperty({ example: 'CNY' })
  currency!: string;

  @ApiProperty({
    type: 'string',
    example: '1999',
    description: 'sum of the debit entries, minor units, as a decimal string (never loses precision)',
  })
  debits!: string;

  @ApiProperty({ type: 'string', example: '1999', description: 'sum of the credit entries, as debits' })
  credits!: string;
}

export class LedgerViolationResponse {
  @ApiProperty({
    enum: [
      'currency_unbalanced',
      'transaction_unbalanced',
      'transaction_too_few_entries',
      'orphan_entry',
      'balance_mismatch',
      'negative_balance',
      'balance_unexplained',
    ],
  })
  kind!: string;

  @ApiPropertyOptional({ example: 'escrow:ord_01m8t431w156gxbxxcw040nneg' })
  account?: string;

  @ApiPropertyOptional({ example: 'ltx_01m8t431w156gxbxxcw040nneg' })
  transaction?: string;

  @ApiProperty({ example: 'balance row escrow:ord_… CNY bucket 0 is 1999 but its entries sum to 0' })
  detail!: string;
}

export class LedgerCheckResponse {
  @ApiProperty({ description: 'true when there is no violation' })
  balanced!: boolean;

  @ApiProperty({ type: 'string', format: 'date-time' })
  checked_at!: string;

  @ApiProperty({ type: [LedgerCurrencyTotalsResponse] })
  currencies!: LedgerCurrencyTotalsResponse[];

  @ApiProperty({ type: [LedgerViolationResponse] })
  violations!: LedgerViolationResponse[];
}

export class SwitchResponse {
  @ApiProperty({ enum: SWITCH_NAMES, example: 'listings' })
  name!: SwitchName;

  @ApiProperty({ description: 'false while the feature is switched off (its routes answer 503 `degraded`)' })
  enabled!: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'the last flip; null before the first' })
  updated_at!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'the email of the admin who flipped it last' })
  updated_by!: string | null;
}

export class SwitchListResponse {
  @ApiProperty({ enum: ['list'] })
  object!: 'list';

  @ApiProperty({ type: [SwitchResponse] })
  data!: SwitchResponse[];

  @ApiProperty({ enum: [false], description: 'every switch is on the one page' })
  has_more!: false;
}

export class UpdateSwitchDto {
  @ApiProperty({ description: 'false switches the feature off everywhere within 5 s; true on again' })
  @IsDefined({ message: 'enabled is required' })
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled!: boolean;
}
