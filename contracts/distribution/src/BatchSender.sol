// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title BatchSender
/// @notice Pushes an ERC-20 or the native coin to many recipients in one transaction.
/// @dev Stateless: every call brings in exactly what it sends out, so tokens or coins can never
///      accumulate here and a re-entrant call can only spend its own funds.
///      ERC-20 path: the whole sum is pulled once with `transferFrom`, then sent with `transfer`
///      from this contract. That is cheaper than `transferFrom(sender, recipient)` per recipient,
///      because after the first write this contract's balance slot is dirty (100 gas per update)
///      and `transfer` does no allowance work. The loop is assembly to keep the per-recipient
///      overhead (ABI encoding, memory growth, return checks) to a few dozen gas.
///      Fee-on-transfer tokens are not supported (the batch reverts when the contract runs short).
contract BatchSender {
    using SafeERC20 for IERC20;

    /// @notice One batch was sent; `token` is zero for the native coin.
    event BatchSent(address indexed token, address indexed sender, uint256 recipients, uint256 total);

    error LengthMismatch(uint256 recipients, uint256 amounts);
    error AmountOverflow();
    /// @param total Amount the caller declared and was charged.
    /// @param sum What `amounts` actually add up to.
    error TotalMismatch(uint256 total, uint256 sum);
    /// @param index Position in the batch of the recipient whose transfer failed.
    error TransferFailed(uint256 index);
    /// @param index Position in the batch of the recipient that refused the coin.
    error NativeTransferFailed(uint256 index);
    error ValueMismatch(uint256 sent, uint256 total);

    /// @notice Sends `amounts[i]` of `token` to `recipients[i]` for every i, pulling `total` from
    ///         the caller once; the caller must have approved this contract for at least `total`.
    /// @dev Reverts unless the amounts add up to exactly `total`. The running sum needs no overflow
    ///      check: every transfer has succeeded before it is compared, so the amounts sent add up
    ///      to at most what this contract held, which is below 2^256.
    /// @param token ERC-20 to send (returning `true` or nothing, like USDT).
    /// @param recipients Receivers, in order.
    /// @param amounts Base-unit amounts, same length as `recipients`.
    /// @param total Sum of `amounts`, pulled from the caller before sending.
    function sendERC20(IERC20 token, address[] calldata recipients, uint256[] calldata amounts, uint256 total)
        external
    {
        if (recipients.length != amounts.length) revert LengthMismatch(recipients.length, amounts.length);

        // SafeERC20 also rejects a token address without code, which the loop below relies on
        // (a call to an empty account succeeds with no return data).
        token.safeTransferFrom(msg.sender, address(this), total);

        uint256 sum;
        assembly ("memory-safe") {
            // transfer(address,uint256) is encoded in scratch space: selector at 0x1c, arguments at
            // 0x20 and 0x40; the return word goes to 0x60. That overwrites the free memory pointer
            // and the zero slot, both restored after the loop; nothing else in memory is touched.
            let fmp := mload(0x40)
            mstore(0x00, 0xa9059cbb)
            // Pre-set "true": a token that returns nothing leaves it in place and passes, one that
            // returns a word overwrites it.
            mstore(0x60, 1)
            let delta := sub(amounts.offset, recipients.offset)
            let p := recipients.offset
            let end := add(p, shl(5, recipients.length))
            // Bottom-tested loop: one conditional jump per recipient instead of a test and a jump.
            if lt(p, end) {
                for {} 1 {} {
                    mstore(0x20, calldataload(p))
                    let a := calldataload(add(p, delta))
                    mstore(0x40, a)
                    sum := add(sum, a)
                    // Arguments evaluate right to left: the call runs before its return word is read.
                    if iszero(and(eq(mload(0x60), 1), call(gas(), token, 0, 0x1c, 0x44, 0x60, 0x20))) {
                        mstore(0x00, 0xc39ba1a9) // TransferFailed(uint256)
                        mstore(0x20, shr(5, sub(p, recipients.offset)))
                        revert(0x1c, 0x24)
                    }
                    p := add(p, 0x20)
                    if iszero(lt(p, end)) { break }
                }
            }
            mstore(0x40, fmp)
            mstore(0x60, 0)
        }
        if (sum != total) revert TotalMismatch(total, sum);

        emit BatchSent(address(token), msg.sender, recipients.length, total);
    }

    /// @notice Same as `sendERC20` with each recipient and amount packed into one word: the address
    ///         in the high 160 bits, the amount in the low 96 bits (up to 2^96 - 1, about 79
    ///         billion tokens of 18 decimals). Half the calldata of `sendERC20`, and one word
    ///         read per recipient; callers use `sendERC20` when an amount does not fit.
    /// @dev The address is taken with a shift, so its word can never be dirty. The running sum
    ///      cannot overflow: each term is below 2^96 and a batch has far fewer than 2^160 words.
    /// @param token ERC-20 to send (returning `true` or nothing, like USDT).
    /// @param packed `uint256(uint160(recipient)) << 96 | amount`, in order.
    /// @param total Sum of the amounts, pulled from the caller before sending.
    function sendERC20Packed(IERC20 token, uint256[] calldata packed, uint256 total) external {
        token.safeTransferFrom(msg.sender, address(this), total);

        uint256 sum;
        assembly ("memory-safe") {
            // Same scratch layout as sendERC20: selector at 0x1c, arguments at 0x20 and 0x40,
            // return word at 0x60; the free memory pointer and the zero slot are restored after.
            let fmp := mload(0x40)
            mstore(0x00, 0xa9059cbb)
            mstore(0x60, 1)
            // The recipient word's high 12 bytes stay zero: the loop writes the packed word at
            // 0x2c, which puts its address in the low 20 bytes of 0x20 without a shift (its
            // amount bytes land at 0x40 and are overwritten by the amount word just after).
            mstore(0x20, 0)
            let mask := 0xffffffffffffffffffffffff
            let p := packed.offset
            let end := add(p, shl(5, packed.length))
            if lt(p, end) {
                for {} 1 {} {
                    let w := calldataload(p)
                    mstore(0x2c, w)
                    let a := and(w, mask)
                    mstore(0x40, a)
                    sum := add(sum, a)
                    if iszero(and(eq(mload(0x60), 1), call(gas(), token, 0, 0x1c, 0x44, 0x60, 0x20))) {
                        mstore(0x00, 0xc39ba1a9) // TransferFailed(uint256)
                        mstore(0x20, shr(5, sub(p, packed.offset)))
                        revert(0x1c, 0x24)
                    }
                    p := add(p, 0x20)
                    if iszero(lt(p, end)) { break }
                }
            }
            mstore(0x40, fmp)
            mstore(0x60, 0)
        }
        if (sum != total) revert TotalMismatch(total, sum);

        emit BatchSent(address(token), msg.sender, packed.length, total);
    }

    /// @notice Sends `amounts[i]` wei of the native coin to `recipients[i]` for every i.
    /// @dev `msg.value` must equal the sum exactly; nothing is kept or refunded. Each recipient
    ///      gets all remaining gas, so one that reverts (or burns gas) fails the whole batch:
    ///      the push engine is expected to drop it and resend.
    /// @param recipients Receivers, in order.
    /// @param amounts Wei amounts, same length as `recipients`.
    /// @return total Sum of `amounts` (equal to `msg.value`).
    function sendNative(address[] calldata recipients, uint256[] calldata amounts)
        external
        payable
        returns (uint256 total)
    {
        uint256 n = recipients.length;
        if (n != amounts.length) revert LengthMismatch(n, amounts.length);

        assembly ("memory-safe") {
            let delta := sub(amounts.offset, recipients.offset)
            for {
                let p := recipients.offset
                let end := add(p, shl(5, n))
            } lt(p, end) { p := add(p, 0x20) } {
                let a := calldataload(add(p, delta))
                total := add(total, a)
                if lt(total, a) {
                    mstore(0x00, 0x0590fb9f) // AmountOverflow()
                    revert(0x1c, 0x04)
                }
                // Only the low 160 bits are used as the address by CALL; reject dirty words so a
                // malformed batch cannot silently pay an address other than the one encoded.
                let to := calldataload(p)
                if or(shr(160, to), iszero(call(gas(), to, a, 0x00, 0x00, 0x00, 0x00))) {
                    mstore(0x00, 0x77479d32) // NativeTransferFailed(uint256)
                    mstore(0x20, shr(5, sub(p, recipients.offset)))
                    revert(0x1c, 0x24)
                }
            }
        }

        // Checked after the loop: a batch summing to more than msg.value runs dry (a failed call),
        // one summing to less would leave coin here; both revert.
        if (total != msg.value) revert ValueMismatch(msg.value, total);

        emit BatchSent(address(0), msg.sender, n, total);
    }
}
