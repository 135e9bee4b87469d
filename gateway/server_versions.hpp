// The server versions from which a message's layout changes (the official clients'
// MIN_SERVER_VER_* constants), in one list for every message of the codec.
#pragma once

namespace intentq::gw::detail {

inline constexpr int kMinSvAdvancedOrderReject = 166;
inline constexpr int kMinSvPegBestPegMidOffsets = 170;
inline constexpr int kMinSvBondIssuerId = 176;
inline constexpr int kMinSvFaProfileDesupport = 177;
inline constexpr int kMinSvPendingPriceRevision = 178;
inline constexpr int kMinSvFundDataFields = 179;
inline constexpr int kMinSvLastTradeDate = 182;
inline constexpr int kMinSvCustomerAccount = 183;
inline constexpr int kMinSvProfessionalCustomer = 184;
inline constexpr int kMinSvBondAccruedInterest = 185;
inline constexpr int kMinSvIneligibilityReasons = 186;
inline constexpr int kMinSvIncludeOvernight = 189;
inline constexpr int kMinSvCmeTaggingFieldsInOpenOrder = 193;
inline constexpr int kMinSvErrorTime = 194;
inline constexpr int kMinSvFullOrderPreviewFields = 195;
// From this version HISTORICAL_DATA no longer carries the range; HISTORICAL_DATA_END (108) does.
inline constexpr int kMinSvHistoricalDataEnd = 196;
inline constexpr int kMinSvSubmitter = 198;
inline constexpr int kMinSvImbalanceOnly = 199;
inline constexpr int kMinSvParametrizedDaysOfExecutions = 200;

}  // namespace intentq::gw::detail
