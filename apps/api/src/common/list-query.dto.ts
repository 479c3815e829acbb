import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** Cursor pagination of API.md: `?limit=` (1–100, default 20) and `?starting_after=<id>`. */
export class ListQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsOptional()
  @IsString()
  @Matches(/^[a-z]{2,5}_[0-9a-z]{10,40}$/, { message: 'starting_after must be an id' })
  starting_after?: string;
}

export function listAnswer<T>(page: { data: T[]; hasMore: boolean }): {
  object: 'list';
  data: T[];
  has_more: boolean;
} {
  return { object: 'list', data: page.data, has_more: page.hasMore };
}
