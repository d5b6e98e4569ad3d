/**
 * HTML character references, for `striptags` (Jinja2 unescapes after removing tags, through
 * Python's `html.unescape`).
 *
 * The table holds the 252 named references of HTML 4 (Latin-1, symbols, Greek) plus `&apos;`:
 * the ones real text contains. HTML5's 2,000 rarer names are left as written. Numeric references
 * follow `html.unescape`, including the Windows-1252 fixes for `&#128;`–`&#159;`, and the names
 * HTML allows without a semicolon (`&amp`, `&copy`) are decoded without one, as browsers do.
 */

// name=hex code point, space-separated (generated from Python's html.entities.name2codepoint).
const TABLE =
  'AElig=c6 AMP=26 Aacute=c1 Acirc=c2 Agrave=c0 Alpha=391 Aring=c5 Atilde=c3 Auml=c4 Beta=392 ' +
  'COPY=a9 Ccedil=c7 Chi=3a7 Dagger=2021 Delta=394 ETH=d0 Eacute=c9 Ecirc=ca Egrave=c8 ' +
  'Epsilon=395 Eta=397 Euml=cb GT=3e Gamma=393 Iacute=cd Icirc=ce Igrave=cc Iota=399 Iuml=cf ' +
  'Kappa=39a LT=3c Lambda=39b Mu=39c Ntilde=d1 Nu=39d OElig=152 Oacute=d3 Ocirc=d4 Ograve=d2 ' +
  'Omega=3a9 Omicron=39f Oslash=d8 Otilde=d5 Ouml=d6 Phi=3a6 Pi=3a0 Prime=2033 Psi=3a8 QUOT=22 ' +
  'REG=ae Rho=3a1 Scaron=160 Sigma=3a3 THORN=de Tau=3a4 Theta=398 Uacute=da Ucirc=db Ugrave=d9 ' +
  'Upsilon=3a5 Uuml=dc Xi=39e Yacute=dd Yuml=178 Zeta=396 aacute=e1 acirc=e2 acute=b4 aelig=e6 ' +
  'agrave=e0 alefsym=2135 alpha=3b1 amp=26 and=2227 ang=2220 apos=27 aring=e5 asymp=2248 ' +
  'atilde=e3 auml=e4 bdquo=201e beta=3b2 brvbar=a6 bull=2022 cap=2229 ccedil=e7 cedil=b8 ' +
  'cent=a2 chi=3c7 circ=2c6 clubs=2663 cong=2245 copy=a9 crarr=21b5 cup=222a curren=a4 ' +
  'dArr=21d3 dagger=2020 darr=2193 deg=b0 delta=3b4 diams=2666 divide=f7 eacute=e9 ecirc=ea ' +
  'egrave=e8 empty=2205 emsp=2003 ensp=2002 epsilon=3b5 equiv=2261 eta=3b7 eth=f0 euml=eb ' +
  'euro=20ac exist=2203 fnof=192 forall=2200 frac12=bd frac14=bc frac34=be frasl=2044 gamma=3b3 ' +
  'ge=2265 gt=3e hArr=21d4 harr=2194 hearts=2665 hellip=2026 iacute=ed icirc=ee iexcl=a1 ' +
  'igrave=ec image=2111 infin=221e int=222b iota=3b9 iquest=bf isin=2208 iuml=ef kappa=3ba ' +
  'lArr=21d0 lambda=3bb lang=2329 laquo=ab larr=2190 lceil=2308 ldquo=201c le=2264 lfloor=230a ' +
  'lowast=2217 loz=25ca lrm=200e lsaquo=2039 lsquo=2018 lt=3c macr=af mdash=2014 micro=b5 ' +
  'middot=b7 minus=2212 mu=3bc nabla=2207 nbsp=a0 ndash=2013 ne=2260 ni=220b not=ac notin=2209 ' +
  'nsub=2284 ntilde=f1 nu=3bd oacute=f3 ocirc=f4 oelig=153 ograve=f2 oline=203e omega=3c9 ' +
  'omicron=3bf oplus=2295 or=2228 ordf=aa ordm=ba oslash=f8 otilde=f5 otimes=2297 ouml=f6 ' +
  'para=b6 part=2202 permil=2030 perp=22a5 phi=3c6 pi=3c0 piv=3d6 plusmn=b1 pound=a3 prime=2032 ' +
  'prod=220f prop=221d psi=3c8 quot=22 rArr=21d2 radic=221a rang=232a raquo=bb rarr=2192 ' +
  'rceil=2309 rdquo=201d real=211c reg=ae rfloor=230b rho=3c1 rlm=200f rsaquo=203a rsquo=2019 ' +
  'sbquo=201a scaron=161 sdot=22c5 sect=a7 shy=ad sigma=3c3 sigmaf=3c2 sim=223c spades=2660 ' +
  'sub=2282 sube=2286 sum=2211 sup=2283 sup1=b9 sup2=b2 sup3=b3 supe=2287 szlig=df tau=3c4 ' +
  'there4=2234 theta=3b8 thetasym=3d1 thinsp=2009 thorn=fe tilde=2dc times=d7 trade=2122 ' +
  'uArr=21d1 uacute=fa uarr=2191 ucirc=fb ugrave=f9 uml=a8 upsih=3d2 upsilon=3c5 uuml=fc ' +
  'weierp=2118 xi=3be yacute=fd yen=a5 yuml=ff zeta=3b6 zwj=200d zwnj=200c'

// Names a browser decodes even without the closing semicolon.
const LEGACY =
  'AElig AMP Aacute Acirc Agrave Aring Atilde Auml COPY Ccedil ETH Eacute Ecirc Egrave Euml GT ' +
  'Iacute Icirc Igrave Iuml LT Ntilde Oacute Ocirc Ograve Oslash Otilde Ouml QUOT REG THORN ' +
  'Uacute Ucirc Ugrave Uuml Yacute aacute acirc acute aelig agrave amp aring atilde auml brvbar ' +
  'ccedil cedil cent copy curren deg divide eacute ecirc egrave eth euml frac12 frac14 frac34 ' +
  'gt iacute icirc iexcl igrave iquest iuml laquo lt macr micro middot nbsp not ntilde oacute ' +
  'ocirc ograve ordf ordm oslash otilde ouml para plusmn pound quot raquo reg sect shy sup1 ' +
  'sup2 sup3 szlig thorn times uacute ucirc ugrave uml uuml yacute yen yuml'

const NAMED = new Map<string, string>(
  TABLE.split(' ').map((entry) => {
    const [name, hex] = entry.split('=') as [string, string]
    return [name, String.fromCodePoint(Number.parseInt(hex, 16))]
  }),
)
const WITHOUT_SEMICOLON = new Set(LEGACY.split(' '))

// html.unescape's pattern: numeric references, or up to 32 name characters.
const REFERENCE = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g

/** Windows-1252 characters that `&#128;`…`&#159;` mean in practice (html.unescape's table). */
const CP1252: Record<number, number> = {
  128: 0x20ac,
  130: 0x201a,
  131: 0x0192,
  132: 0x201e,
  133: 0x2026,
  134: 0x2020,
  135: 0x2021,
  136: 0x02c6,
  137: 0x2030,
  138: 0x0160,
  139: 0x2039,
  140: 0x0152,
  142: 0x017d,
  145: 0x2018,
  146: 0x2019,
  147: 0x201c,
  148: 0x201d,
  149: 0x2022,
  150: 0x2013,
  151: 0x2014,
  152: 0x02dc,
  153: 0x2122,
  154: 0x0161,
  155: 0x203a,
  156: 0x0153,
  158: 0x017e,
  159: 0x0178,
}

function numeric(body: string): string {
  const hex = body[1] === 'x' || body[1] === 'X'
  const code = Number.parseInt(body.slice(hex ? 2 : 1).replace(';', ''), hex ? 16 : 10)
  const fixed = CP1252[code]
  if (fixed !== undefined) return String.fromCodePoint(fixed)
  if (code === 0 || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return '\ufffd'
  // html.unescape keeps CR and the five C1 codes Windows-1252 leaves undefined.
  if ([0x0d, 0x81, 0x8d, 0x8f, 0x90, 0x9d].includes(code)) return String.fromCodePoint(code)
  // Control characters and noncharacters are dropped, as html.unescape does.
  const control = (code >= 1 && code <= 8) || code === 0x0b || (code >= 0x0e && code <= 0x1f)
  const noncharacter = (code >= 0xfdd0 && code <= 0xfdef) || (code & 0xfffe) === 0xfffe
  if (control || (code >= 0x7f && code <= 0x9f) || noncharacter) return ''
  return String.fromCodePoint(code)
}

/**
 * Python's `html.unescape` (for the names in the table): `&amp;lt;` → `&lt;`, `&#39;` → `'`.
 *
 * @example unescapeHtml('Main &raquo; About') // 'Main » About'
 */
export function unescapeHtml(text: string): string {
  if (!text.includes('&')) return text
  return text.replace(REFERENCE, (whole, body: string) => {
    if (body[0] === '#') return numeric(body)
    if (body.endsWith(';')) {
      const char = NAMED.get(body.slice(0, -1))
      if (char !== undefined) return char
    }
    // Without a semicolon, the longest legacy name that starts the reference wins.
    for (let size = Math.min(body.length, 6); size > 1; size--) {
      const name = body.slice(0, size)
      if (WITHOUT_SEMICOLON.has(name)) return NAMED.get(name)! + body.slice(size)
    }
    return whole
  })
}
