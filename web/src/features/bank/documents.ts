import { graphql } from '@/gql';

/** What the controller said about itself, its clock and its last health report (LockerBank.controller). */
export const ControllerInfoFields = graphql(`
  fragment ControllerInfoFields on ControllerInfo {
    protocolVersion
    model
    serial
    firmware
    capabilities
    connectedAt
    disconnectedAt
    clockOffsetMs
    clockMeasuredAt
    clockTrusted
    health {
      receivedAt
      uptimeSeconds
      outboxDepth
      signalDbm
      firmware
      power
      batteryPercent
      temperatureC
    }
  }
`);

/** A bank's page: its live fields and its controller. */
export const BankDetailsQuery = graphql(`
  query BankDetails($id: ID!) {
    lockerBank(id: $id) {
      ...BankLiveFields
      department
      acceptedThroughSeq
      site {
        id
        name
      }
      controller {
        ...ControllerInfoFields
      }
    }
  }
`);

export const LockerEventFields = graphql(`
  fragment LockerEventFields on LockerEvent {
    id
    bankId
    compartmentLabel
    kind
    reportedKind
    seq
    generation
    occurredAt
    receivedAt
    reportedAt
    rejection
    flags
    code
    faultCode
    detail
  }
`);

/** One page of the bank's event log, newest first. */
export const LockerEventLogQuery = graphql(`
  query LockerEventLog($bankId: ID!, $first: Int, $after: String, $problemsOnly: Boolean) {
    lockerEventLog(bankId: $bankId, first: $first, after: $after, problemsOnly: $problemsOnly) {
      events {
        ...LockerEventFields
      }
      endCursor
      hasNextPage
    }
  }
`);
