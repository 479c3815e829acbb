import { Controller, Get, Header, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public, TokenService } from '@danbao/platform';
import { SellerLinks } from './seller-links';
import {
  SELLER_EXPIRED_PATH,
  SELLER_SESSION_COOKIE,
  SELLER_SESSION_SECONDS,
  SellerPages,
} from './seller-pages';

/**
 * The seller console's way in (no principal yet, so public): the link the marketplace mints
 * (GET /seller/session?token=<a seller token of at most 15 minutes>) is exchanged, once, for a
 * session cookie, and the browser is sent on to /seller, the token gone from its address bar.
 * A token of a buyer, an admin or any other role is refused with a 403 page and no cookie; an
 * expired, forged or used one ends on the "link expired" page.
 */
@ApiExcludeController()
@Public()
@Controller('seller')
export class SellerSessionController {
  constructor(
    @Inject(SellerLinks) private readonly links: SellerLinks,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(SellerPages) private readonly pages: SellerPages,
  ) {}

  @Get('assets/seller.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  stylesheet(): string {
    return this.pages.css;
  }

  @Get('session')
  async exchange(
    @Query('token') token: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const redeemed = await this.links.redeem(token);
    if (redeemed.kind === 'refused')
      return this.pages.message(
        reply,
        403,
        'Not a seller link',
        'This link does not open the seller console',
        'Only a link your marketplace made for a seller opens the seller console.',
      );
    if (redeemed.kind === 'expired') {
      // The same link opened again in a browser it already signed in: just go on to the console.
      const current = this.tokens.verify(request.cookies?.[SELLER_SESSION_COOKIE] ?? '');
      const same =
        redeemed.usedBy !== undefined && current?.role === 'seller' && current.id === redeemed.usedBy;
      return this.pages.redirect(reply, same ? '/seller' : SELLER_EXPIRED_PATH);
    }
    const session = this.tokens.mint('seller', redeemed.sellerId, SELLER_SESSION_SECONDS);
    reply.setCookie(SELLER_SESSION_COOKIE, session.token, {
      path: '/seller',
      httpOnly: true,
      sameSite: 'strict',
      secure: this.pages.secureCookies,
      maxAge: SELLER_SESSION_SECONDS,
    });
    void reply.header('referrer-policy', 'no-referrer');
    this.pages.redirect(reply, '/seller');
  }

  @Get('expired')
  expired(@Res() reply: FastifyReply): void {
    this.pages.message(
      reply,
      200,
      'Link expired',
      'This link has expired',
      'Seller console links work once and for a few minutes. Go back to your marketplace and open the seller console from there again.',
    );
  }
}
