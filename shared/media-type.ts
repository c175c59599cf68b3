/**
 * The essence of a media type (RFC 9110 8.3.1): the type/subtype without parameters, lower-cased,
 * so that `Message/OHTTP-req; x=1` compares equal to `message/ohttp-req`. Empty for none.
 */
export function mediaTypeOf(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const semi = value.indexOf(';');
  return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
}
