import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** Cursor pagination of API.md: `?limit=` (1–100, default 20) and `?starting_after=<id>`. */
export class ListQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'page size' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({
    example: 'ord_01m8t431me2pv4znysahrjhmz3',
    description: 'the id of the last item of the previous page; the page starts after it',
  })
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
