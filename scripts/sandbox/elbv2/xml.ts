// AWS Query protocol responses: `<{Op}Response xmlns><{Op}Result>…</{Op}Result><ResponseMetadata>…`,
// lists as `<member>`, and the `<ErrorResponse>` error document.

export const ELBV2_XMLNS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';

/** undefined/null members are left out; arrays become `<member>` lists; `{}` becomes `<Name/>`. */
export type XmlValue =
  | string
  | number
  | boolean
  | undefined
  | null
  | XmlValue[]
  | { [key: string]: XmlValue };

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Escapes text for element content or attribute values; drops characters XML 1.0 cannot carry. */
export function escapeXml(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing what XML 1.0 forbids
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/[&<>"']/g, (c) => ENTITIES[c]!)
  );
}

function assertName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) throw new Error(`not an XML element name: "${name}"`);
}

/** Serializes one element (no pretty-printing: the SDK does not need it, and whitespace stays out of values). */
export function element(name: string, value: XmlValue): string {
  assertName(name);
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    return value.length === 0
      ? `<${name}/>`
      : `<${name}>${value.map((v) => element('member', v)).join('')}</${name}>`;
  }
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([key, child]) => element(key, child))
      .join('');
    return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

const PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** `<{Op}Response xmlns=…><{Op}Result>…</{Op}Result><ResponseMetadata><RequestId>…` */
export function responseXml(action: string, result: Record<string, XmlValue>, requestId: string): string {
  assertName(action);
  return (
    `${PROLOG}<${action}Response xmlns="${ELBV2_XMLNS}">` +
    element(`${action}Result`, result) +
    element('ResponseMetadata', { RequestId: requestId }) +
    `</${action}Response>\n`
  );
}

export type AwsErrorType = 'Sender' | 'Receiver';

/** `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>` */
export function errorXml(type: AwsErrorType, code: string, message: string, requestId: string): string {
  return (
    `${PROLOG}<ErrorResponse xmlns="${ELBV2_XMLNS}">` +
    element('Error', { Type: type, Code: code, Message: message }) +
    element('RequestId', requestId) +
    '</ErrorResponse>\n'
  );
}
