/** Flow files used by engine tests. */

/** The test flow: webhook records → sink contacts, matched by email. */
export function flowYaml(name = 'contacts-to-sink', extra = ''): string {
  return `name: ${name}
trigger:
  type: webhook
  unsigned: true
source:
  connection: shop
  entity: customer
targets:
  - name: contact
    connection: sink
    entity: contacts
    mapping:
      email: { expr: "$lowercase($trim(email))", required: true }
      name: name
      source_id: id
    match:
      keys: [email]
errorPolicy:
  maxAttempts: 4
  initialInterval: 10ms
  maxInterval: 100ms
${extra}`;
}

